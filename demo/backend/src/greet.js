const greet = (name) => `hello ${name}`;
module.exports = { greet, tests: { greets: () => greet('ada') === 'hello ada' } };
