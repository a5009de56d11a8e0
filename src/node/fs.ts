// The Node adapter of the core's FileSystem port: Node's own fs, so behaviour (errors, codes, streams) is Node's.
import * as fs from 'node:fs';
import type { FileSystem } from '../core/ports';

const p = fs.promises;

export const nodeFileSystem: FileSystem = {
  access: p.access, appendFile: p.appendFile, chmod: p.chmod, chown: p.chown, copyFile: p.copyFile, cp: p.cp,
  lchown: p.lchown, link: p.link, lstat: p.lstat, mkdir: p.mkdir, open: p.open, readdir: p.readdir,
  readFile: p.readFile, readlink: p.readlink, realpath: p.realpath, rename: p.rename, rm: p.rm, rmdir: p.rmdir, stat: p.stat,
  symlink: p.symlink, unlink: p.unlink, utimes: p.utimes, writeFile: p.writeFile,
  sync: {
    closeSync: fs.closeSync, existsSync: fs.existsSync, fdatasyncSync: fs.fdatasyncSync, fstatSync: fs.fstatSync,
    lstatSync: fs.lstatSync, mkdirSync: fs.mkdirSync, openSync: fs.openSync, readdirSync: fs.readdirSync,
    readFileSync: fs.readFileSync, realpathSync: fs.realpathSync, renameSync: fs.renameSync, rmSync: fs.rmSync,
    rmdirSync: fs.rmdirSync, statSync: fs.statSync, utimesSync: fs.utimesSync, writeFileSync: fs.writeFileSync,
    writeSync: fs.writeSync,
  },
  createWriteStream: fs.createWriteStream,
  watch: fs.watch,
  constants: fs.constants,
};
