// The secret-value detector on its own: what it must find, and what it must leave alone (docs/brief-rules.md#mb041).
import * as assert from 'node:assert/strict';
import { findSecretValues } from '../../../src/core/brief';

function kinds(text: string): [string, string][] {
  return findSecretValues(text).map((m) => [m.kind, text.slice(m.start, m.end)]);
}

describe('findSecretValues', () => {
  describe('finds', () => {
    const cases: [string, string, string][] = [
      ['aws-access-key-id', 'key AKIAZ3MHQ7VYXJ4K2P5N here', 'AKIAZ3MHQ7VYXJ4K2P5N'],
      ['aws-access-key-id', 'ASIAY34FZKBOKMUTVV7A', 'ASIAY34FZKBOKMUTVV7A'],
      ['github-token', 'token ghp_R8x2Lq9VmT4wZk7NcB3yH6dJf1sPa5GuE0oX.', 'ghp_R8x2Lq9VmT4wZk7NcB3yH6dJf1sPa5GuE0oX'],
      ['github-token', 'gho_16C7e42F292c6912E7710c838347Ae178B4a', 'gho_16C7e42F292c6912E7710c838347Ae178B4a'],
      ['github-fine-grained-pat', 'github_pat_11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ12', 'github_pat_11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ12'],
      ['gitlab-token', 'glpat-x8Yk2mQ9vL4nR7tP1sW3', 'glpat-x8Yk2mQ9vL4nR7tP1sW3'],
      ['npm-token', 'npm_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8', 'npm_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'],
      ['openai-api-key', '"sk-proj-Ab3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY"', 'sk-proj-Ab3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY'],
      ['anthropic-api-key', 'sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0', 'sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0'],
      ['slack-token', 'xoxp-2389472938-98237498237-AbCdEf123456', 'xoxp-2389472938-98237498237-AbCdEf123456'],
      ['stripe-key', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
      ['google-api-key', 'AIzaSyD3x9Kq2LmN8pR4tV6wY0zB1cE5fG7hJ9k', 'AIzaSyD3x9Kq2LmN8pR4tV6wY0zB1cE5fG7hJ9k'],
      ['jwt', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
      ['high-entropy', 'cache key q8Vn3LkP0zR7xW2mT5yB9cF4hJ6dG1sA', 'q8Vn3LkP0zR7xW2mT5yB9cF4hJ6dG1sA'],
      ['high-entropy', 'secret 51pBq7BK+ln8G4rBFkqbB6oqcNGtT89mOc2LlWAb==', '51pBq7BK+ln8G4rBFkqbB6oqcNGtT89mOc2LlWAb=='],
      ['high-entropy', 'a bare 40-hex value 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39', '3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39'],
      ['password-assignment', 'password: Xk9#mP2qL7vR4nT8', 'Xk9#mP2qL7vR4nT8'],
      ['password-assignment', 'DB_PASSWORD="hunter22"', 'hunter22'],
      ['password-assignment', '**API token**: a8f5kq2m9xw3', 'a8f5kq2m9xw3'],
    ];
    for (const [kind, text, value] of cases) {
      it(`${kind}: ${text.slice(0, 40)}`, () => assert.deepEqual(kinds(text), [[kind, value]]));
    }

    it('a whole PEM private key block, and nothing inside it separately', () => {
      const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi8q1jK7vPxLm2Nq5Rt8Ws\n-----END RSA PRIVATE KEY-----';
      assert.deepEqual(kinds(`key:\n${pem}\nend`), [['private-key', pem]]);
    });

    it('a BEGIN line without its END still counts', () => {
      assert.deepEqual(kinds('-----BEGIN PRIVATE KEY-----\nabc'), [['private-key', '-----BEGIN PRIVATE KEY-----']]);
    });

    it('offsets are into the text and suggest a secret name', () => {
      const text = 'x ghp_R8x2Lq9VmT4wZk7NcB3yH6dJf1sPa5GuE0oX';
      const [m] = findSecretValues(text);
      assert.equal(m!.start, 2);
      assert.equal(m!.end, text.length);
      assert.equal(m!.suggestedName, 'GITHUB_TOKEN');
    });
  });

  describe('leaves alone', () => {
    const cases: [string, string][] = [
      ['UUIDs in prose', 'Request 123e4567-e89b-12d3-a456-426614174000 failed; retry 9b2c5d1e-0f3a-4b6c-8d7e-1a2b3c4d5e6f.'],
      ['git SHAs after "commit"', 'Start from commit 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39 on main.'],
      ['git SHAs after "sha"', 'sha: 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39'],
      ['image digests', 'image: ghcr.io/org/agent@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
      ['checksums', 'checksum 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
      ['commit URLs', 'https://github.com/org/repo/commit/3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39'],
      ['AWS documentation example', 'AKIAIOSFODNN7EXAMPLE and wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
      ['placeholders', 'ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx sk-XXXXXXXXXXXXXXXXXXXXXXXX AKIAXXXXXXXXXXXXXXXX'],
      ['identifiers', 'Call getUserAccountSettingsById2 in AbstractSingletonProxyFactoryBean1 and OAuth2AuthorizationCodeFlow.'],
      ['paths', 'Read src/core/brief/validateBrief2.ts and /output/reports/Summary2024Final.md'],
      ['kebab words that start like key prefixes', 'Use sk-learn-compatible-interface-designs and task-runner-configuration-2024.'],
      ['secret references', 'password: ${secrets.DB_PASSWORD}, token: /secrets/GITHUB_TOKEN, api_key: $API_KEY'],
      ['secret names after a keyword', 'secret: GITHUB_TOKEN; token: <your token>'],
      ['prose after a keyword', 'The token: it is in the vault. Password: ask the operator.'],
      ['data URLs', '![dot](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==)'],
      ['numbers and versions', 'Version 1.22.3, 1234567890123456789012345, 2024-05-01T10:00:00Z'],
      ['image references', 'ghcr.io/agent-federation/worker:1.4 and node:20-bookworm-slim'],
    ];
    for (const [what, text] of cases) it(what, () => assert.deepEqual(kinds(text), []));
  });

  it('is linear: a megabyte of prose in well under a second', () => {
    const text = 'The agent reads /workspace/src and writes /output/report.md; see commit 3f2a9c1 for context.\n'.repeat(12_000);
    const t0 = performance.now();
    assert.deepEqual(findSecretValues(text), []);
    assert.ok(performance.now() - t0 < 1000);
  });
});
