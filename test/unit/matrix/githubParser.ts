// GitHub's own workflow parser (@actions/workflow-parser), for the tests that require generated workflows to parse.
import * as path from 'node:path';

const repo = path.resolve(__dirname, '..', '..', '..', '..');

type Parser = typeof import('@actions/workflow-parser');
let parser: Parser | undefined;
/**
 * The package is ESM meant for bundlers (it imports its JSON schema without an import attribute, which Node
 * refuses), so it is bundled here with esbuild into one CommonJS module, unchanged otherwise.
 */
async function loadParser(): Promise<Parser> {
  if (parser) return parser;
  const esbuild = await import('esbuild');
  const out = await esbuild.build({ stdin: { contents: "export * from '@actions/workflow-parser';", resolveDir: repo }, bundle: true, format: 'cjs', platform: 'node', target: 'node20', write: false, logLevel: 'silent' });
  const mod = { exports: {} as Parser };
  new Function('module', 'exports', 'require', out.outputFiles[0]!.text)(mod, mod.exports, require);
  parser = mod.exports;
  return parser;
}

/** GitHub's parser's errors for a workflow's text: none for a workflow GitHub accepts. */
export async function githubErrors(text: string): Promise<string[]> {
  const p = await loadParser();
  const result = p.parseWorkflow({ name: 'multi-agent-deploy.yml', content: text }, new p.NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((e) => e.message);
  if (errors.length || !result.value) return errors.length ? errors : ['no workflow value'];
  const template = await p.convertWorkflowTemplate(result.context, result.value);
  return [...result.context.errors.getErrors().map((e) => e.message), ...(template.errors ?? []).map((e) => e.Message)];
}
