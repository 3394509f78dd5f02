// The --fleet options' help and defaults, and the test for fleet mode: dependency-free, so the single-database
// commands can show them without loading the fleet code first.
import { DEFAULT_CONCURRENCY, DEFAULT_TARGET_TIMEOUT_S } from '../core/fleet/runFleet';

export { DEFAULT_CONCURRENCY, DEFAULT_TARGET_TIMEOUT_S };

/** Help lines the three commands add for fleet mode. */
export const FLEET_HELP = `  --fleet FILE       run against every database of FILE ({"fleet": [{"name", "url" | "service", "tags"}]},
                     a pgopt.json "fleet" key works too) concurrently; one ranked result, worst first
  --concurrency N    with --fleet: databases at once (default ${DEFAULT_CONCURRENCY})
  --target-timeout S with --fleet: seconds per database before it is recorded as failed (default ${DEFAULT_TARGET_TIMEOUT_S})`;

/** True when the command line asks for fleet mode (the command hands over to runFleetCommand). */
export function hasFleetFlag(argv: readonly string[]): boolean {
  return argv.some((a) => a === '--fleet' || a.startsWith('--fleet='));
}

