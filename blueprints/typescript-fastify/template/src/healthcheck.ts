// The container's HEALTHCHECK: GET http://127.0.0.1:$PORT/healthz, exit 0 on 200 and 1
// otherwise. A node script, because the distroless image has no shell or curl.
// Managed by the blueprint.

import { request } from "node:http";

const port = Number(process.env.PORT ?? "8080");
const probe = request({ host: "127.0.0.1", port, path: "/healthz", timeout: 2_000 }, (response) => {
  response.resume();
  process.exitCode = response.statusCode === 200 ? 0 : 1;
});
probe.on("timeout", () => {
  probe.destroy(new Error("timeout"));
});
probe.on("error", () => {
  process.exitCode = 1;
});
probe.end();
