import { ConfigError } from '../errors/index.js';
import type { LoadedInstance } from '../runtime/instances.js';
import { operationOf } from '../util/lookup.js';
import { policyOf, renderInput, timingProblems } from './definition.js';
import type { ScheduleSpec } from './store.js';

/** The id of a declared schedule: stable across restarts, so its cursor survives them. */
export const declaredScheduleId = (instance: string, name: string) => `${instance}.${name}`;

/**
 * The schedules the configuration and the connectors declare for the loaded instances: a connector's
 * schedules (unless `connectorSchedules: false`), each overridable field by field by a configuration entry
 * of the same name (`enabled: false` switches it off), plus the configuration's own. Every problem is
 * reported by path in one {@link ConfigError}.
 */
export function declaredSchedules(instances: Map<string, LoadedInstance>): ScheduleSpec[] {
  const specs: ScheduleSpec[] = [];
  const problems: Array<{ path: string; message: string }> = [];
  for (const instance of instances.values()) {
    const own = instance.config.schedules ?? {};
    const declared = instance.config.connectorSchedules === false ? {} : (instance.connector.schedules ?? {});
    for (const name of new Set([...Object.keys(declared), ...Object.keys(own)])) {
      const base = declared[name];
      const entry = own[name];
      if (entry?.enabled === false) continue;
      const path = `instances.${instance.name}.schedules.${name}`;
      const operation = entry?.operation ?? base?.operation;
      const cron = entry?.cron ?? (entry?.every ? undefined : base?.cron);
      const timing = {
        cron: cron ?? null,
        every: entry?.every ?? null,
        timeZone: entry?.timeZone ?? base?.timeZone ?? 'UTC',
      };
      const found = problems.length;
      if (!operation) problems.push({ path: `${path}.operation`, message: 'required' });
      else if (!operationOf(instance.connector, operation))
        problems.push({
          path: `${path}.operation`,
          message: `connector ${instance.connector.name} has no operation "${operation}"`,
        });
      for (const p of timingProblems(timing)) problems.push({ path: `${path}.${p.path}`, message: p.message });
      if (problems.length > found) continue;
      const input = entry?.input ?? base?.input ?? {};
      const parsed = operationOf(instance.connector, operation!)!.input.safeParse(
        renderInput(input, new Date(), timing.timeZone),
      );
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          problems.push({ path: [path, 'input', ...issue.path.map(String)].join('.'), message: issue.message });
        continue;
      }
      specs.push({
        id: declaredScheduleId(instance.name, name),
        source: base ? 'connector' : 'config',
        name,
        instance: instance.name,
        environment: instance.environment,
        operation: operation!,
        input,
        timing,
        policy: policyOf(entry ?? {}),
        description: entry?.description ?? base?.description ?? null,
      });
    }
  }
  if (problems.length) throw new ConfigError('Invalid schedules in the gateway configuration:', problems);
  return specs;
}
