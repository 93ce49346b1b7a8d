// Media upload benchmark: a 100 MB MP4 uploaded to the media library (multipart, streamed),
// as MB/s next to `cp` of the same file on the same disk, and the app's peak RSS growth
// during the upload (read from /proc/<pid>/status every 10 ms: a streamed upload keeps it
// flat whatever the file's size).
//
//   npm run build && node bench/media-upload.bench.mjs
//
// The file: a valid MP4 made with mp4box's writer, one H.264 video track whose 100 samples
// of 1 MiB are random bytes (not real frames: the app reads only the container, so the bytes'
// content does not change what it does, and random bytes defeat any compression on the way).
// The upload's path is the one of every video: busboy -> sha256 -> temp file (fsynced) ->
// type from the first bytes -> mp4box reads the moov box -> rename into MEDIA_DIR -> row.
// `cp` copies the same file within the same temporary folder, then `sync`s it (the upload
// fsyncs too). Median of BENCH_MEDIA_ROUNDS (default 3) rounds; each round uploads a
// different file (dedupe would answer a second upload of the same bytes without storing it).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { api, startApp } from './lib.mjs';

const require = createRequire(import.meta.url);
const MP4Box = require('mp4box');
const ROUNDS = Number(process.env.BENCH_MEDIA_ROUNDS ?? 3);
const SAMPLES = 100;
const SAMPLE_BYTES = 1024 * 1024;

function makeMp4(path) {
  const file = MP4Box.createFile();
  const avcC = Uint8Array.from([
    1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1e, 1, 0, 4, 0x68, 0xce, 0x3c, 0x80,
  ]);
  const track = file.addTrack({
    timescale: 1000,
    width: 1280,
    height: 720,
    nb_samples: SAMPLES,
    duration: SAMPLES * 40,
    type: 'avc1',
    avcDecoderConfigRecord: avcC.buffer,
  });
  for (let i = 0; i < SAMPLES; i++)
    file.addSample(track, randomBytes(SAMPLE_BYTES), { duration: 40, is_sync: i % 25 === 0 });
  const ds = file.getBuffer();
  writeFileSync(path, Buffer.from(ds.buffer, 0, ds.byteLength ?? ds.buffer.byteLength));
}

function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

function upload(base, wid, key, path) {
  const boundary = 'bench-boundary-7d1e';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="alt"\r\n\r\nBench clip\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="clip.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const size = statSync(path).size;
  return new Promise((resolve, reject) => {
    const req = request(`${base}/v1/workspaces/${wid}/media`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + size + tail.length),
      },
    });
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString());
        if (res.statusCode !== 201) reject(new Error(`upload answered ${res.statusCode}: ${JSON.stringify(body)}`));
        else resolve(body);
      });
    });
    req.on('error', reject);
    req.write(head);
    const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
    stream.pipe(req, { end: false });
    stream.on('end', () => req.end(tail));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const app = await startApp();
const work = mkdtempSync(join(app.dataDir, 'bench-files-'));
try {
  const signup = await api(app.base, 'POST', '/v1/workspaces', {
    name: 'Bench',
    timezone: 'Europe/Rome',
    lead: { name: 'Lea', email: 'lea@example.com' },
  });
  const key = signup.apiKey;
  const wid = signup.workspace.id;
  const results = [];
  for (let round = 0; round < ROUNDS; round++) {
    const path = join(work, `clip-${round}.mp4`);
    makeMp4(path);
    const bytes = statSync(path).size;
    const mb = bytes / 1e6;
    // cp of the same file on the same disk, synced (as the upload fsyncs its temp file).
    const cpStart = performance.now();
    execFileSync('cp', [path, `${path}.copy`]);
    spawnSync('sync', [`${path}.copy`]);
    const cpSeconds = (performance.now() - cpStart) / 1000;
    rmSync(`${path}.copy`);
    await new Promise((r) => setTimeout(r, 500));
    const baseline = rssOf(app.child.pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(app.child.pid))), 10);
    const start = performance.now();
    const item = await upload(app.base, wid, key, path);
    const seconds = (performance.now() - start) / 1000;
    clearInterval(sampler);
    if (item.bytes !== bytes || item.kind !== 'video') throw new Error(`unexpected item ${JSON.stringify(item)}`);
    results.push({ mb, seconds, cpSeconds, rssGrowth: peak - baseline });
    console.log(
      `round ${round + 1}: ${mb.toFixed(1)} MB upload ${(mb / seconds).toFixed(0)} MB/s (${seconds.toFixed(2)} s), ` +
        `cp ${(mb / cpSeconds).toFixed(0)} MB/s (${cpSeconds.toFixed(2)} s), peak RSS growth ${((peak - baseline) / 1e6).toFixed(1)} MB`,
    );
    rmSync(path);
  }
  const up = median(results.map((r) => r.mb / r.seconds));
  const cp = median(results.map((r) => r.mb / r.cpSeconds));
  console.log(
    `\nmedian: upload ${up.toFixed(0)} MB/s, cp ${cp.toFixed(0)} MB/s (upload/cp ${(up / cp).toFixed(2)}x), ` +
      `peak RSS growth ${(median(results.map((r) => r.rssGrowth)) / 1e6).toFixed(1)} MB (max ${(Math.max(...results.map((r) => r.rssGrowth)) / 1e6).toFixed(1)} MB)`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
  await app.stop();
}
