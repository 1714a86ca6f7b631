import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // The planner's property tests run 500 cases each; on a busy 2-core CI machine that
          // takes longer than vitest's 5 s default.
          testTimeout: 30_000,
          // Unit tests first, then e2e: projects with different worker limits run as separate
          // groups, and a fast unit failure should show before minutes of engine work.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // Provisions a real Docker engine and the fixture images once per run.
          globalSetup: ['test/e2e/support/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // Two cores: two e2e files at a time keeps engine contention (and flakiness) low.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
