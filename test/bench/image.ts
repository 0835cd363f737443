// Image build: the local node:24-slim stand-in built from nothing, the image built cold
// (no buildah layers, an empty npm cache mount), rebuilt after a one-line source edit
// (layers and npm cache warm), ensureImage when the cache holds the archive, and the
// image's size against its base's. Builds go to scratch folders and a scratch npm cache,
// so the benchmark leaves the test environment's cache as it found it.
//
//   node test/bench/image.ts            (or `npm run bench -- image` once run.ts lists it)
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildah } from '../env/image/buildah.ts';
import { baseVersion, buildBaseRootfs, commitBase, ensureBase } from '../env/image/base.ts';
import { copyContext } from '../env/image/context.ts';
import { buildImage, ensureImage, planBuild } from '../env/image/image.ts';
import { repoPath } from '../env/paths.ts';
import { median } from './measure.ts';

/** ImageReport holds the seconds and sizes the benchmark measured. */
export interface ImageReport {
  /** debootstrap + Node + npm into a root filesystem archive, then committed to buildah. */
  readonly baseBuildSeconds: number;
  /** buildah build with no layers to reuse and an empty npm cache, plus the archive. */
  readonly coldBuildSeconds: number;
  /** buildah build after a one-line edit of operator/main.ts, layers and npm cache warm. */
  readonly editBuildSeconds: number;
  /** ensureImage when the cache holds this context's archive (median of 5). */
  readonly warmEnsureSeconds: number;
  readonly imageBytes: number;
  readonly baseBytes: number;
}

const say = (line: string): void => {
  console.error(`bench: ${line}`);
};

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

/** imageBuild measures every figure of the report; it takes several minutes. */
export async function imageBuild(): Promise<ImageReport> {
  const scratch = await mkdtemp(join(tmpdir(), 'bench-image-'));
  try {
    const base = await ensureBase(say);
    const baseBuildSeconds = await timeBaseBuild(join(scratch, 'base'));
    const image = await ensureImage(say);
    const warm: number[] = [];
    for (let i = 0; i < 5; i += 1) warm.push(await seconds(() => ensureImage(say)));
    const coldBuildSeconds = await timeColdBuild(join(scratch, 'cold'));
    const editBuildSeconds = await timeEditedBuild(join(scratch, 'edited'));
    return {
      baseBuildSeconds,
      coldBuildSeconds,
      editBuildSeconds,
      warmEnsureSeconds: median(warm),
      imageBytes: image.sizeBytes,
      baseBytes: base.sizeBytes,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

// timeBaseBuild builds the stand-in from nothing into a scratch folder and commits it
// under a scratch name, leaving the cached one and its tag alone.
async function timeBaseBuild(dir: string): Promise<number> {
  say('base: debootstrap, Node and npm from nothing');
  await mkdir(dir, { recursive: true });
  const ref = `localhost/awscheck-bench-base:${process.pid}`;
  try {
    return await seconds(async () => {
      await buildBaseRootfs(dir, say);
      await commitBase(join(dir, 'rootfs.tar'), ref, baseVersion());
    });
  } finally {
    await buildah(['rmi', ref]).catch(() => undefined);
  }
}

// timeColdBuild builds a copy of the build context with no layers to reuse and an empty
// npm cache, under a scratch name, so the cached image's name keeps pointing at its build.
async function timeColdBuild(dir: string): Promise<number> {
  say('cold build: no layers, empty npm cache');
  const root = join(dir, 'context');
  await copyContext(repoPath(), root);
  const npmCache = join(dir, 'tmp');
  await mkdir(npmCache);
  const plan = { ...(await planBuild(root)), ref: `localhost/awscheck-bench-cold:${process.pid}` };
  try {
    return await seconds(() =>
      buildImage(plan, join(dir, 'cold.tar'), { layers: false, env: { TMPDIR: npmCache } }),
    );
  } finally {
    await buildah(['rmi', plan.ref]).catch(() => undefined);
  }
}

// timeEditedBuild copies the build context, appends a comment to operator/main.ts and
// builds it as a developer's next build would: buildah's layers and npm cache reused.
async function timeEditedBuild(root: string): Promise<number> {
  say('rebuild after a one-line edit of operator/main.ts');
  await copyContext(repoPath(), root);
  const main = join(root, 'operator/main.ts');
  await writeFile(main, `${await readFile(main, 'utf8')}// bench edit ${Date.now()}\n`);
  const plan = await planBuild(root);
  const archive = join(root, 'edited.tar');
  try {
    return await seconds(() => buildImage(plan, archive, {}));
  } finally {
    await buildah(['rmi', plan.ref]).catch(() => undefined);
  }
}

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);

/** printImage prints the report as the other benchmarks print theirs. */
export async function printImage(report: ImageReport): Promise<void> {
  console.log(`\nimage build (Debian ${(await buildah(['--version'])).trim()}, runc)`);
  console.log('| step | seconds |');
  console.log('| --- | ---: |');
  console.log(
    `| base: node:24-slim stand-in from nothing | ${report.baseBuildSeconds.toFixed(1)} |`,
  );
  console.log(
    `| image cold (no layers, empty npm cache) | ${report.coldBuildSeconds.toFixed(1)} |`,
  );
  console.log(
    `| image after a one-line edit (layers, npm cache warm) | ${report.editBuildSeconds.toFixed(1)} |`,
  );
  console.log(
    `| ensureImage, archive cached (median of 5) | ${report.warmEnsureSeconds.toFixed(3)} |`,
  );
  console.log(
    `image ${mib(report.imageBytes)} MiB, base ${mib(report.baseBytes)} MiB, image / base ${(report.imageBytes / report.baseBytes).toFixed(2)}, the image adds ${mib(report.imageBytes - report.baseBytes)} MiB`,
  );
  console.log(
    `cold / edit ${(report.coldBuildSeconds / report.editBuildSeconds).toFixed(1)}×; warm ensureImage under 2 s: ${report.warmEnsureSeconds < 2 ? 'target met' : 'TARGET MISSED'}`,
  );
}

if (import.meta.main) await printImage(await imageBuild());
