// The federation: personas, the task queue, locks, handoffs, calendars and artifact routing, over its state store.
export * from './service';
