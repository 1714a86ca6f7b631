/**
 * The stack the traffic benchmark and e2e test switch under load: a Caddy proxy (infra, a
 * loopback port) routing `api` to the backend and every other host to the frontend, both apps
 * on the fixture image. Knobs are variables the spec interpolates (TAG, UNHEALTHY, WAIT,
 * RETRIES), so one spec serves every phase as a user would drive it.
 */
export interface TrafficStackOptions {
  /** Host header routed to the backend. */
  api: string;
  /** `proxy.drain` as written, e.g. `2s` or `${DRAIN:-1s}`. */
  drain: string;
  keepGenerations: number;
  /** The variable naming the frontend's tag (TAG moves both apps at once). */
  frontendTagVar?: string;
  /** The frontend starts after the backend (depends_on). */
  frontendAfterBackend?: boolean;
}

export function trafficStackYaml(project: string, o: TrafficStackOptions): string {
  const net = `${project}_net`;
  const health = `{ test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8000/health"], interval: 1s, timeout: 2s, retries: "\${RETRIES:-20}" }`;
  return `version: 1
project: ${project}
infra:
  networks:
    ${net}: {}
  services:
    proxy:
      container_name: ${project}_proxy
      image: deployctl-fixture/proxy:caddy
      ports: ["127.0.0.1::80"]
      networks: [${net}]
      healthcheck: { test: ["CMD", "wget", "-qO-", "http://127.0.0.1:2019/config/"], interval: 1s, retries: 20 }
apps:
  services:
    backend:
      image: deployctl-fixture/app:\${TAG:-v1}
      environment: { UNHEALTHY: "\${UNHEALTHY:-}" }
      networks: [${net}]
      healthcheck: ${health}
      wait_timeout: \${WAIT:-60s}
      stop_grace_period: 5s
    frontend:
      image: deployctl-fixture/app:\${${o.frontendTagVar ?? 'TAG'}:-v1}
      networks: [${net}]
      healthcheck: ${health}
      stop_grace_period: 5s${o.frontendAfterBackend ? '\n      depends_on: [backend]' : ''}
proxy:
  service: proxy
  listen: 8080
  drain: ${o.drain}
  routes:
    - { host: ${o.api}, service: backend, port: 8000 }
    - { service: frontend, port: 8000 }
cleanup:
  keep_generations: ${o.keepGenerations}
`;
}
