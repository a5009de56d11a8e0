const view = (items) => items.map((i) => `<li>${i}</li>`).join('');
module.exports = { view, tests: { renders: () => view(['a']) === '<li>a</li>' } };
