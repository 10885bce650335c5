// Enough of `vscode` for a module's top level to run: any property is a function/class that
// returns another stub. Only module evaluation is measured, never an API call's effect.
function stub() {
  return new Proxy(function () {}, {
    get: (_t, key) => (key === Symbol.toPrimitive ? () => '' : key === 'then' ? undefined : stub()),
    apply: () => stub(),
    construct: () => stub(),
  });
}
module.exports = stub();
