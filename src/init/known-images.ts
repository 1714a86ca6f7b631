/**
 * Images of stateful services: databases, caches, search engines, brokers and reverse proxies.
 * Matched on the repository's last path segment (`bitnami/postgresql:16` → `postgresql`), so
 * mirrors and vendor builds count too.
 */
const KINDS: Record<string, string> = {
  postgres: 'database',
  postgresql: 'database',
  postgis: 'database',
  timescaledb: 'database',
  'timescaledb-ha': 'database',
  mysql: 'database',
  mariadb: 'database',
  mongo: 'database',
  mongodb: 'database',
  cassandra: 'database',
  couchdb: 'database',
  neo4j: 'database',
  'clickhouse-server': 'database',
  clickhouse: 'database',
  influxdb: 'database',
  redis: 'cache',
  'redis-stack-server': 'cache',
  valkey: 'cache',
  keydb: 'cache',
  dragonfly: 'cache',
  memcached: 'cache',
  elasticsearch: 'search engine',
  opensearch: 'search engine',
  meilisearch: 'search engine',
  typesense: 'search engine',
  solr: 'search engine',
  rabbitmq: 'message broker',
  nats: 'message broker',
  kafka: 'message broker',
  zookeeper: 'message broker',
  minio: 'object store',
  traefik: 'reverse proxy',
  nginx: 'reverse proxy',
  'nginx-proxy': 'reverse proxy',
  caddy: 'reverse proxy',
  haproxy: 'reverse proxy',
  envoy: 'reverse proxy',
};

const POSTGRES = new Set(['postgres', 'postgresql', 'postgis', 'timescaledb', 'timescaledb-ha']);

/** The repository's last path segment, without registry, tag or digest. */
export function imageBase(image: string): string {
  const noDigest = image.split('@')[0] ?? '';
  const last = noDigest.split('/').pop() ?? '';
  return last.split(':')[0]?.toLowerCase() ?? '';
}

/** What kind of stateful service an image is (`database`, `reverse proxy`…), if a known one. */
export function statefulKind(image: string): string | undefined {
  const base = imageBase(image);
  return Object.hasOwn(KINDS, base) ? KINDS[base] : undefined;
}

export function isPostgres(image: string): boolean {
  return POSTGRES.has(imageBase(image));
}
