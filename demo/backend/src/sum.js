const sum = (a, b) => a + b;
module.exports = { sum, tests: { adds: () => sum(2, 3) === 5 } };
