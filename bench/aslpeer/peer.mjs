// The peer of BenchmarkTenStatesMemory: aws-local-stepfunctions (a TypeScript ASL interpreter)
// runs the same definition and input one execution after another, warmed up first, and prints
// executions per second. Usage: node peer.mjs DEFINITION.json INPUT.json [SECONDS]
import { readFileSync } from 'node:fs';
import { StateMachine } from 'aws-local-stepfunctions';

const [defFile, inputFile, secs = '5'] = process.argv.slice(2);
const definition = JSON.parse(readFileSync(defFile, 'utf8'));
const inputText = readFileSync(inputFile, 'utf8');
const sm = new StateMachine(definition);

async function runFor(ms) {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) {
      // The Go side parses its input text per execution too.
      const { result } = sm.run(JSON.parse(inputText));
      const out = await result;
      if (out.territory !== 'dach') throw new Error('unexpected output ' + JSON.stringify(out));
    }
    n += 100;
  }
  return n;
}

await runFor(2000); // warm-up: JIT and caches
const t0 = performance.now();
const n = await runFor(Number(secs) * 1000);
const s = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ executions: n, seconds: s, execPerSec: n / s }));
