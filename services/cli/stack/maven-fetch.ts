import { execFile } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { STACK_POM } from '../../shared/paths.js';

const run = promisify(execFile);

/**
 * Runs one maven-dependency-plugin goal from stack/pom.xml into `target`, through a temporary
 * folder renamed at the end, so an interrupted download never looks like a finished one.
 * Maven keeps the jars in ~/.m2, so a second fetch reads no network. overWriteReleases, because the
 * plugin skips an unpack it once marked done in stack/target even when the output folder is new.
 */
export async function mavenFetch(
  goal: 'copy-dependencies' | 'unpack',
  target: string,
  logFile: string,
  from: { pom: string; profile?: string } = { pom: STACK_POM },
): Promise<boolean> {
  if (existsSync(target) && readdirSync(target).length > 0) return false;
  const partial = `${target}.partial`;
  rmSync(partial, { recursive: true, force: true });
  try {
    const { stdout, stderr } = await run(
      'mvn',
      [
        '-B',
        '-q',
        '-f',
        from.pom,
        ...(from.profile ? ['-P', from.profile] : []),
        `dependency:${goal}`,
        `-DoutputDirectory=${partial}`,
        '-Dmdep.overWriteReleases=true',
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    writeFileSync(logFile, stdout + stderr, { flag: 'a' });
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string; message: string };
    writeFileSync(logFile, `${output.stdout ?? ''}${output.stderr ?? ''}`, { flag: 'a' });
    throw new Error(`maven could not fetch the stack's jars (${goal}); see ${logFile}: ${output.message.split('\n')[0]}`, { cause: error });
  }
  rmSync(target, { recursive: true, force: true });
  renameSync(partial, target);
  return true;
}
