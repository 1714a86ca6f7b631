/**
 * `node dist/bench/ssh.js [--reps 3]`: a no-op `deployctl plan` over `DOCKER_HOST=ssh://…`
 * against `docker -H ssh://… ps` in the same run, through a real sshd on loopback (the engine
 * behind it is the local one), and how many ssh logins one plan costs (target: 1). Prints the
 * median times and their ratio (target ≤ 1.5×); a missed target is a figure, not a failure.
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
    const cli = await runInHome(user.home, ['-H', env.DOCKER_HOST, 'ps'], { program: ['docker'], env: {} });
    if (cli.code !== 0) throw new Error(`docker -H ssh:// ps failed: ${cli.stderr}`);
    ps.push(cli.ms);
  }
  const ratio = median(plans) / median(ps);
  process.stdout.write(
    `ssh: no-op plan ${median(plans)} ms, docker -H ssh:// ps ${median(ps)} ms, ratio ${ratio.toFixed(2)}× (target ≤ 1.5×); ssh logins per plan: ${logins.join(', ')} (target 1)\n`,
  );
} finally {
  await cleanupProject(project);
  await sshd.stop();
}
