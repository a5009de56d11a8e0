// Program files imported as their text: esbuild's text loader (scripts/build.mjs) inlines them into the bundles
// and makes each one a module of its text (NAME.pl.js next to the transpiled code) in out/.
declare module '*.pl' {
  const text: string;
  export default text;
}
declare module '*.py' {
  const text: string;
  export default text;
}
