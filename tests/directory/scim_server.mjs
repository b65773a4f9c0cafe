// A SCIM 2.0 service for the connector tests: SCIMMY's User and Group resources over HTTPS
// (express), users and groups kept in memory, a bearer token checked on every request.
//   node scim_server.mjs --port P --key K --cert C --token T [--seed FILE] [--add-only]
// --seed: JSON {"users": [{userName, name, emails, active}], "groups": [{displayName,
// members: [userName, ...]}]}. --add-only: like services that refuse PATCH "replace" of
// `active` and accept only {"op": "add", "value": {"active": false}}.
import express from "express";
import fs from "node:fs";
import https from "node:https";
import crypto from "node:crypto";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((out, a, i, all) => {
    if (a.startsWith("--")) out.push([a.slice(2), all[i + 1]?.startsWith("--") ? true : all[i + 1] ?? true]);
    return out;
  }, []),
);

const stores = { User: new Map(), Group: new Map() };
const now = () => new Date().toISOString();

function declare(type, resource) {
  const store = stores[type];
  SCIMMY.Resources.declare(resource)
    .ingress((res, data) => {
      const id = res.id ?? crypto.randomUUID();
      if (res.id && !store.has(id)) throw new SCIMMY.Types.Error(404, null, `No ${type} ${id}`);
      const record = { ...data, id, meta: { created: store.get(id)?.meta?.created ?? now(), lastModified: now() } };
      store.set(id, record);
      return record;
    })
    .egress((res) => {
      if (res.id) {
        if (!store.has(res.id)) throw new SCIMMY.Types.Error(404, null, `No ${type} ${res.id}`);
        return store.get(res.id);
      }
      const all = [...store.values()];
      return res.filter ? res.filter.match(all) : all;
    })
    .degress((res) => {
      store.delete(res.id);
    });
}
declare("User", SCIMMY.Resources.User);
declare("Group", SCIMMY.Resources.Group);

if (args.seed) {
  const seed = JSON.parse(fs.readFileSync(args.seed, "utf8"));
  const ids = {};
  for (const u of seed.users ?? []) {
    const id = crypto.randomUUID();
    ids[u.userName] = id;
    stores.User.set(id, { active: true, ...u, id, meta: { created: now(), lastModified: now() } });
  }
  for (const g of seed.groups ?? []) {
    const id = crypto.randomUUID();
    const members = (g.members ?? []).map((name) => ({ value: ids[name], display: name }));
    stores.Group.set(id, { ...g, members, id, meta: { created: now(), lastModified: now() } });
  }
}

const app = express();
app.set("query parser", "extended");
if (args["add-only"]) {
  app.patch("/scim/v2/Users/:id", express.json({ type: ["application/scim+json", "application/json"] }),
    (req, res, next) => {
      const ops = req.body?.Operations ?? [];
      if (ops.some((op) => String(op.op).toLowerCase() !== "add")) {
        res.status(400).type("application/scim+json").send(JSON.stringify({
          schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "400",
          scimType: "invalidSyntax", detail: "only the add operation is supported",
        }));
        return;
      }
      next();
    });
}
// Express 5 parses the query anew on each read, so the routers' cast of startIndex and count
// to numbers is lost and paging ignored; the numbers are fixed once here.
app.use((req, res, next) => {
  const query = { ...req.query };
  for (const param of ["startIndex", "count"]) {
    if (typeof query[param] === "string" && !Number.isNaN(+query[param])) query[param] = +query[param];
  }
  Object.defineProperty(req, "query", { value: query, writable: true, configurable: true });
  next();
});
app.use("/scim/v2", new SCIMMYRouters({
  type: "bearer",
  handler: (request) => {
    if (request.header("Authorization") !== `Bearer ${args.token}`) throw new Error("invalid token");
    return "bestand";
  },
}));

https.createServer({ key: fs.readFileSync(args.key), cert: fs.readFileSync(args.cert) }, app)
  .listen(Number(args.port), "127.0.0.1", () => console.log("ready"));
