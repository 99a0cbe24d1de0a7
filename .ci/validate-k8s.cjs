#!/usr/bin/env node
// Validates Kubernetes manifests (one multi-document YAML stream, e.g. `kubectl kustomize` output)
// against the Kubernetes OpenAPI schemas that the npm package kubernetes-models ships (its models'
// validate() is Ajv over those schemas). Usage: node validate-k8s.cjs FILE|- ; exit 1 on any error.
"use strict";
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

// The packages live in .ci/tools (installed by .ci/run), not beside this script.
const tools = createRequire(path.join(__dirname, "tools", "package.json"));
const YAML = tools("yaml");

const arg = process.argv[2];
if (!arg) {
  console.error("usage: validate-k8s.cjs FILE|-");
  process.exit(2);
}
const text = fs.readFileSync(arg === "-" ? 0 : arg, "utf8");

let failures = 0;
let checked = 0;
for (const doc of YAML.parseAllDocuments(text)) {
  if (doc.errors.length > 0) {
    for (const e of doc.errors) console.error(`YAML: ${e.message}`);
    failures++;
    continue;
  }
  const obj = doc.toJS();
  if (obj === null || obj === undefined) continue;
  const { apiVersion, kind } = obj;
  const name = `${kind}/${obj.metadata && obj.metadata.name}`;
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    console.error(`${name}: apiVersion and kind must be strings`);
    failures++;
    continue;
  }
  // apps/v1 -> kubernetes-models/apps/v1/Kind; the core group's v1 -> kubernetes-models/v1/Kind.
  let Model;
  try {
    Model = tools(`kubernetes-models/${apiVersion}/${kind}`)[kind];
  } catch {
    Model = undefined;
  }
  if (typeof Model !== "function") {
    // An unknown kind is an error, not a pass: nothing would have checked it.
    console.error(`${name}: no schema for ${apiVersion} ${kind} in kubernetes-models`);
    failures++;
    continue;
  }
  try {
    new Model(obj).validate();
    checked++;
  } catch (e) {
    console.error(`${name}: ${e.message}`);
    failures++;
  }
}
console.log(`${checked} valid, ${failures} invalid`);
process.exit(failures > 0 || checked === 0 ? 1 : 0);
