// Records rendered as docker's ContainerInspect and ContainerSummary, and
// ps's human Status column ("Up 3 minutes", "Exited (0) 2 seconds ago").
import { humanDuration } from './durations.js';
import type { ContainerRecord } from './store.js';
import type { ContainerInspect, ContainerSummary } from './docker-types.js';

export function toInspect(rec: ContainerRecord): ContainerInspect {
  const { Gantry: _gantry, ...rest } = rec;
  const state = { ...rec.State };
  if (rec.Config.Healthcheck?.Test && rec.Config.Healthcheck.Test[0] !== 'NONE' && !state.Health) state.Health = { Status: 'starting', FailingStreak: 0, Log: [] };
  return {
    ...rest,
    State: state,
    ExecIDs: null,
    GraphDriver: { Name: 'overlay', Data: null },
  };
}

export function statusText(rec: ContainerRecord, now = Date.now()): string {
  const s = rec.State;
  const health = s.Health && s.Running ? ` (${s.Health.Status === 'starting' ? 'health: starting' : s.Health.Status})` : '';
  if (s.Restarting) return `Restarting (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
  if (s.Running) return `Up ${humanDuration(now - Date.parse(s.StartedAt))}${s.Paused ? ' (Paused)' : ''}${health}`;
  if (s.Status === 'exited') return `Exited (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
  if (s.Status === 'dead') return 'Dead';
  if (s.Status === 'removing') return 'Removal In Progress';
  return 'Created';
}

export function toSummary(rec: ContainerRecord): ContainerSummary {
  const command = [rec.Path, ...rec.Args].map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ');
  return {
    Id: rec.Id,
    Names: [rec.Name],
    Image: rec.Gantry.imageRef,
    ImageID: rec.Image,
    Command: command,
    Created: Math.floor(Date.parse(rec.Created) / 1000),
    Ports: [],
    Labels: rec.Config.Labels,
    State: rec.State.Status,
    Status: statusText(rec),
    HostConfig: { NetworkMode: rec.HostConfig.NetworkMode },
    NetworkSettings: { Networks: rec.NetworkSettings.Networks },
    Mounts: rec.Mounts,
  };
}
