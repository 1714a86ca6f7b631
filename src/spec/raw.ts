import type { RawFileDecl, RawFileRef } from './compose-files.js';
/**
 * The spec data as the schema admits it (after interpolation, before normalization): every
 * Compose short and long form is still possible here. Only code that runs after a successful
 * schema validation may rely on these types.
 */
export type RawLabels = Record<string, string | number | boolean> | string[];
export type RawStringOrList = string | string[];
export type RawDuration = string | number;

export type RawPort =
  | string
  | number
  | { target: number; published?: number | string; host_ip?: string; protocol?: 'tcp' | 'udp' };
export type RawMount =
  string | { type: 'volume' | 'bind'; source?: string; target: string; read_only?: boolean };

export interface RawHealthcheck {
  test?: RawStringOrList;
  interval?: RawDuration;
  timeout?: RawDuration;
  retries?: number;
  start_period?: RawDuration;
  disable?: boolean;
}

export interface RawService {
  image: string;
  container_name?: string;
  command?: RawStringOrList;
  entrypoint?: RawStringOrList;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: RawPort[];
  volumes?: RawMount[];
  networks?: string[] | Record<string, Record<string, never> | null>;
  labels?: RawLabels;
  restart?: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  healthcheck?: RawHealthcheck;
  depends_on?: string[] | Record<string, { condition?: string } | null>;
  init?: boolean;
  user?: string;
  working_dir?: string;
  stop_signal?: string;
  stop_grace_period?: RawDuration;
  pull_policy?: 'missing' | 'always' | 'never';
  wait_timeout?: RawDuration;
  database?: { engine: 'postgres'; name: string; user: string };
  profiles?: string[];
  extends?: string | { service: string; file?: string };
  secrets?: RawFileRef[];
  configs?: RawFileRef[];
  env_file?: string | (string | { path: string; required?: boolean })[];
  logging?: { driver?: string; options?: Record<string, string | number | boolean | null> };
  mem_limit?: RawBytes;
  mem_reservation?: RawBytes;
  memswap_limit?: RawBytes;
  cpus?: number | string;
  cpu_shares?: number;
  pids_limit?: number;
  deploy?: { resources?: { limits?: RawResourceBlock; reservations?: RawResourceBlock } };
  shm_size?: RawBytes;
  ulimits?: Record<string, number | { soft: number; hard: number }>;
  extra_hosts?: string[] | Record<string, string>;
  cap_add?: string[];
  cap_drop?: string[];
  tmpfs?: RawStringOrList;
  read_only?: boolean;
  security_opt?: string[];
  sysctls?: Record<string, string | number> | string[];
  hostname?: string;
  domainname?: string;
  dns?: RawStringOrList;
  group_add?: (string | number)[];
  privileged?: boolean;
  platform?: string;
  stdin_open?: boolean;
  tty?: boolean;
  expose?: (string | number)[];
  devices?: (string | { source: string; target?: string; permissions?: string })[];
}

/** A size: bytes as a number, or Compose's `512m`, `1g`, `100k`, `1.5gb`. */
export type RawBytes = number | string;

export interface RawResourceBlock {
  cpus?: number | string;
  memory?: RawBytes;
  pids?: number;
}

export interface RawResource {
  external?: boolean;
  driver?: string;
  labels?: RawLabels;
}

export interface RawSpec {
  version: 1;
  project: string;
  infra?: {
    volumes?: Record<string, RawResource | null>;
    networks?: Record<string, RawResource | null>;
    dirs?: Record<string, { path: string }>;
    services?: Record<string, RawService>;
  };
  apps?: { services?: Record<string, RawService> };
  cleanup?: { keep_generations?: number; max_age?: string | number; protect?: string[] };
  backups?: { dir?: string; keep?: number };
  history?: { keep?: number };
  notify?: { webhooks?: { url: string; events?: string[]; format?: 'json' | 'slack' }[] };
  /** deployctl's list of secret variable names, or Compose's file secrets (name → {file}). */
  secrets?: string[] | RawFileDecl;
  configs?: RawFileDecl;
}
