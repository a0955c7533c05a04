/** A reader for the tar archives Gitea serves (`git archive`: ustar with pax headers). */
import { createHash } from 'node:crypto';

const BLOCK = 512;

function field(block: Uint8Array, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return Buffer.from(end === -1 ? raw : raw.subarray(0, end)).toString('utf8');
}

function size(block: Uint8Array): number {
  const raw = block.subarray(124, 136);
  // GNU base-256 for sizes past 8 GiB: high bit of the first byte set.
  if ((raw[0]! & 0x80) !== 0) {
    let n = raw[0]! & 0x7f;
    for (let i = 1; i < raw.length; i++) n = n * 256 + raw[i]!;
    return n;
  }
  const text = field(block, 124, 12).trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

/** `path=` from a pax extended header ("<len> <key>=<value>\n" records). */
function paxPath(data: Uint8Array): string | null {
  const text = Buffer.from(data).toString('utf8');
  let at = 0;
  let path: string | null = null;
  while (at < text.length) {
    const space = text.indexOf(' ', at);
    if (space === -1) break;
    const len = Number.parseInt(text.slice(at, space), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = text.slice(space + 1, at + len - 1);
    const eq = record.indexOf('=');
    if (eq !== -1 && record.slice(0, eq) === 'path') path = record.slice(eq + 1);
    at += len;
  }
  return path;
}

/**
 * The regular files of an uncompressed tar archive: path -> bytes. Honours pax (`x`) and GNU
 * (`L`) long names; skips directories, links and global headers. Throws on a truncated archive.
 */
export function untar(archive: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let at = 0;
  let longName: string | null = null;
  while (at + BLOCK <= archive.length) {
    const header = archive.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const n = size(header);
    const type = String.fromCharCode(header[156]!);
    const dataStart = at + BLOCK;
    if (dataStart + n > archive.length) throw new Error(`tar archive truncated at byte ${at}`);
    const data = archive.subarray(dataStart, dataStart + n);
    at = dataStart + Math.ceil(n / BLOCK) * BLOCK;
    if (type === 'x') {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === 'L') {
      longName = field(data, 0, data.length);
      continue;
    }
    if (type === 'g') continue;
    const prefix = field(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = null;
    if (type === '0' || type === '\0') files.set(name, data);
  }
  return files;
}

/** The git blob id of `bytes` (sha1, or sha256 for a sha256 repository: pass the id's length). */
export function gitBlobId(bytes: Uint8Array, idLength = 40): string {
  const h = createHash(idLength === 64 ? 'sha256' : 'sha1');
  h.update(`blob ${bytes.length}\0`);
  h.update(bytes);
  return h.digest('hex');
}
