#!/usr/bin/env node
// Uses a third-party gRPC reflection client (grpc-reflection-js) to list Bestand's services
// over TLS, then calls PersonService/ListPeople through a client built only from the descriptors
// that the server's reflection service returns, and Health/Check the same way.
//
// usage: node list_services.js HOST:PORT CA_FILE TOKEN
'use strict';

const fs = require('fs');
const grpc = require('@grpc/grpc-js');
const { Client: ReflectionClient } = require('grpc-reflection-js');

const REQUIRED_SERVICES = [
  'bestand.v1.PersonService',
  'bestand.v1.DeviceService',
  'bestand.v1.AuditService',
  'bestand.v1.TokenService',
  'grpc.health.v1.Health',
  'grpc.reflection.v1alpha.ServerReflection',
];

const TO_OBJECT = { enums: String, defaults: true };

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

// Calls SERVICE/METHOD once, with request and response types taken from ROOT (a protobufjs Root
// that reflection returned).
async function callUnary(channel, root, service, method, request, metadata) {
  const rpc = root.lookupService(service).methods[method];
  if (!rpc) throw new Error(`${service} has no method ${method}`);
  const requestType = rpc.resolve().resolvedRequestType;
  const responseType = rpc.resolvedResponseType;
  const err = requestType.verify(request);
  if (err) throw new Error(`bad ${requestType.fullName}: ${err}`);
  return new Promise((resolve, reject) => {
    channel.makeUnaryRequest(
      `/${service}/${method}`,
      (message) => Buffer.from(requestType.encode(requestType.fromObject(message)).finish()),
      (bytes) => responseType.toObject(responseType.decode(bytes), TO_OBJECT),
      request,
      metadata,
      { deadline: Date.now() + 10000 },
      (error, response) => (error ? reject(error) : resolve(response)));
  });
}

// Awaits PROMISE; on failure exits naming WHAT and the gRPC status, if any.
async function step(what, promise) {
  try {
    return await promise;
  } catch (error) {
    const status = error.code !== undefined ? `${grpc.status[error.code] || error.code}: ` : '';
    return fail(`${what} failed: ${status}${error.details || error.message || 'no reason given'}`);
  }
}

async function main() {
  const [target, caFile, token] = process.argv.slice(2);
  if (!target || !caFile || !token) {
    console.error('usage: node list_services.js HOST:PORT CA_FILE TOKEN');
    process.exit(2);
  }
  const credentials = grpc.credentials.createSsl(fs.readFileSync(caFile));
  const reflection = new ReflectionClient(target, credentials);
  const channel = new grpc.Client(target, credentials);

  const services = await step('listing services by reflection', reflection.listServices());
  for (const name of services) console.log(name);
  for (const name of REQUIRED_SERVICES) {
    if (!services.includes(name)) fail(`service ${name} is not listed by reflection`);
  }

  const personRoot = await step('reflection for bestand.v1.PersonService',
                                reflection.fileContainingSymbol('bestand.v1.PersonService'));
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  const people = await step('bestand.v1.PersonService/ListPeople',
                            callUnary(channel, personRoot, 'bestand.v1.PersonService', 'ListPeople',
                                      { pageSize: 10 }, metadata));
  console.log(`ListPeople ok: ${people.people.length} people`);

  const healthRoot = await step('reflection for grpc.health.v1.Health',
                                reflection.fileContainingSymbol('grpc.health.v1.Health'));
  const health = await step('grpc.health.v1.Health/Check',
                            callUnary(channel, healthRoot, 'grpc.health.v1.Health', 'Check',
                                      { service: '' }, new grpc.Metadata()));
  console.log(`Health ok: ${health.status}`);
  if (health.status !== 'SERVING') fail(`health status is ${health.status}, not SERVING`);

  channel.close();
  reflection.grpcClient.close();
}

main().catch((error) => fail(error.stack || String(error)));
