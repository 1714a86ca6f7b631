import { compactUtc } from '../util/clock.js';

/**
 * Names of the files deployctl writes in `backups.dir`. Retention deletes only files whose
 * whole name matches these patterns for this project and database service, so a dump copied
 * there by hand, or another project's, is never touched.
 */
const STAMP = /\d{8}T\d{6}Z/.source;
const CHECKSUM_SUFFIX = '.sha256';
const TEMP_SUFFIX = '.partial';

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `<project>_<service>_<UTC yyyymmddTHHMMSSZ>.dump` */
export function backupFileName(project: string, service: string, ms: number): string {
  return `${project}_${service}_${compactUtc(ms)}.dump`;
}

/** Where the dump is written until it is complete: hidden, and never matched as a backup. */
export function tempFileName(finalName: string): string {
  return `.${finalName}${TEMP_SUFFIX}`;
}

export function checksumFileName(dumpName: string): string {
  return `${dumpName}${CHECKSUM_SUFFIX}`;
}

export interface BackupNamePattern {
  /** The UTC stamp of one of our dumps, or undefined when the name is not one of ours. */
  stampOf(name: string): string | undefined;
  /** Whether `name` is a temporary file one of our backups left behind when it was killed. */
  isTemp(name: string): boolean;
}

export function backupNamePattern(project: string, service: string): BackupNamePattern {
  const base = `${escape(project)}_${escape(service)}_(${STAMP})\\.dump`;
  const dump = new RegExp(`^${base}$`);
  const temp = new RegExp(`^\\.${base}(?:${escape(CHECKSUM_SUFFIX)})?${escape(TEMP_SUFFIX)}$`);
  return {
    stampOf: (name) => dump.exec(name)?.[1],
    isTemp: (name) => temp.test(name),
  };
}
