import type * as vscode from 'vscode';
import type { Logger } from '../core/ports';

/** The core's Logger port over the extension's log channel (Output → Agent Federation). */
export function loggerFrom(channel: vscode.LogOutputChannel): Logger {
  return { debug: (m) => channel.debug(m), info: (m) => channel.info(m), warn: (m) => channel.warn(m), error: (m) => channel.error(m) };
}
