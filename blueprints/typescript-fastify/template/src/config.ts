// Configuration read once from the environment at start-up. Anything missing or malformed
// stops the service with a message naming the variable (never its value): it fails closed
// instead of serving with a half-understood configuration.
//
// Managed by the blueprint: `paved drift` reports changes to this file.

export type Env = Readonly<Record<string, string | undefined>>;

/** A configuration problem; `variable` is the environment variable at fault. */
export class ConfigError extends Error {
  readonly variable: string;

  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = "ConfigError";
    this.variable = variable;
  }
}

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly logLevel: LogLevel;
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The value of `name`, trimmed; `undefined` when unset or blank. */
export function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/** The value of `name`, trimmed; a `ConfigError` when unset or blank. */
export function required(env: Env, name: string): string {
  const value = optional(env, name);
  if (value === undefined) {
    throw new ConfigError(name, "is required but not set");
  }
  return value;
}

/** A comma-separated list; empty entries are ignored. */
export function list(value: string): string[] {
  return value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

export function serverConfig(env: Env): ServerConfig {
  const portText = optional(env, "PORT") ?? "8080";
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    throw new ConfigError("PORT", "must be a TCP port number between 1 and 65535");
  }
  const host = optional(env, "HOST") ?? "0.0.0.0";
  const level = optional(env, "LOG_LEVEL") ?? "info";
  if (!isLogLevel(level)) {
    throw new ConfigError("LOG_LEVEL", `must be one of ${LOG_LEVELS.join(", ")}`);
  }
  return { host, port: Number(portText), logLevel: level };
}

function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}
