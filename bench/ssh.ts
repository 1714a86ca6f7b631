/**
 * `node dist/bench/ssh.js [--reps 3]`: a no-op `deployctl plan` over `DOCKER_HOST=ssh://…`
 * against `docker -H ssh://… ps` in the same run, through a real sshd on loopback (the engine
 * behind it is the local one), and how many ssh connections one plan opens (target: 1, counted
 * from sshd's log of accepted logins). Prints the median times, their ratio with PASS or MISS
 * against ≤ 1.5×, and the connection counts; a missed target is a figure, not a failure.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupProject, uniqueProject } from '../test/e2e/support/engine.js';
import { clientHome, runInHome, startSshd } from '../test/e2e/support/sshd.js';

const repsArg = process.argv.indexOf('--reps');
const reps = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const sshd = await startSshd();
const user = await clientHome();
const project = uniqueProject('bench-ssh');
try {
  await sshd.authorize(user.pubKey);
  await user.setKnownHosts(`${sshd.knownHostsLine}\n`);
  const dir = await mkdtemp(join(tmpdir(), 'deployctl-bench-ssh-'));
  const spec = join(dir, 'deployctl.yaml');
  await writeFile(
    spec,
    `version: 1\nproject: ${project}\ninfra:\n  networks:\n    ${project}_net: {}\napps:\n  services:\n    web:\n      image: deployctl-fixture/app:v1\n      networks: [${project}_net]\n`,
  );
  const env = { DOCKER_HOST: `ssh://root@127.0.0.1:${sshd.port}` };
  const applied = await runInHome(user.home, ['apply', '-y', '--deploy-id', 'b1', '--file', spec], {
    cwd: dir,
    env,
  });
  if (applied.code !== 0) throw new Error(`apply over ssh failed: ${applied.stderr}`);

  const plans: number[] = [];
  const ps: number[] = [];
  const logins: number[] = [];
  const cliLogins: number[] = [];
  for (let i = 0; i < reps; i++) {
    const before = await sshd.accepted();
    const plan = await runInHome(
      user.home,
      ['plan', '--deploy-id', 'b1', '--detailed-exitcode', '--file', spec],
      {
        cwd: dir,
        env,
      },
    );
    if (plan.code !== 0) throw new Error(`no-op plan over ssh exited ${plan.code}: ${plan.stderr}`);
    plans.push(plan.ms);
    logins.push((await sshd.accepted()) - before);
    const cliBefore = await sshd.accepted();
    const cli = await runInHome(user.home, ['-H', env.DOCKER_HOST, 'ps'], { program: ['docker'], env: {} });
    if (cli.code !== 0) throw new Error(`docker -H ssh:// ps failed: ${cli.stderr}`);
    ps.push(cli.ms);
    cliLogins.push((await sshd.accepted()) - cliBefore);
  }
  const ratio = median(plans) / median(ps);
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  const oneLogin = logins.every((n) => n === 1);
  process.stdout.write(
    [
      `ssh no-op plan          median ${median(plans)} ms (runs: ${plans.join(', ')} ms)`,
      `docker -H ssh:// ps     median ${median(ps)} ms (runs: ${ps.join(', ')} ms)`,
      `ratio                   ${ratio.toFixed(2)}x  ${verdict(ratio <= 1.5)} (target <= 1.5x)`,
      `ssh connections / plan  ${logins.join(', ')}  ${verdict(oneLogin)} (target 1; counted from sshd's "Accepted publickey" log lines)`,
      `ssh connections / ps    ${cliLogins.join(', ')}  (the docker CLI, for comparison)`,
      '',
    ].join('\n'),
  );
} finally {
  await cleanupProject(project);
  await sshd.stop();
}
