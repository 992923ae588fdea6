// paychaos's forward-mode shim for Node, loaded with NODE_OPTIONS="--require <this file>".
//
// Node 20 ignores HTTPS_PROXY (Node 24 reads it only with NODE_USE_ENV_PROXY=1, and then only for
// its global agents), and stripe-node makes its own https.Agent. This sends every
// https.request / https.get to a host NO_PROXY does not name through HTTPS_PROXY, by giving it an
// agent that opens a CONNECT tunnel; TLS then trusts Node's roots plus NODE_EXTRA_CA_CERTS (paychaos's
// CA). An agent the app made of its own subclass (a proxy agent, say) is left alone, and so is
// global fetch(): Node 20 gives no way to route it. Without HTTPS_PROXY nothing changes.
'use strict';

const http = require('http');
const https = require('https');
const tls = require('tls');

const proxyText = process.env.HTTPS_PROXY || process.env.https_proxy;

function bypassed(host) {
  const list = (process.env.NO_PROXY || process.env.no_proxy || '').split(',');
  const name = String(host || '').toLowerCase().replace(/^\[|\]$/g, '');
  return list.some((raw) => {
    const entry = raw.trim().toLowerCase().replace(/:\d+$/, '');
    if (!entry) return false;
    if (entry === '*') return true;
    const bare = entry.replace(/^\*?\./, '');
    return name === bare || name.endsWith('.' + bare);
  });
}

class TunnelAgent extends https.Agent {
  constructor(proxy, options) {
    super(options);
    this.proxy = proxy;
  }

  createConnection(options, callback) {
    const host = options.host || options.hostname || 'localhost';
    const port = options.port || 443;
    const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const connect = http.request({
      host: this.proxy.hostname.replace(/^\[|\]$/g, ''),
      port: this.proxy.port || 80,
      method: 'CONNECT',
      path: target,
      headers: { host: target },
      agent: false,
    });
    connect.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        callback(new Error(`paychaos forward proxy ${this.proxy.host} refused CONNECT ${target}: ${res.statusCode}`));
        return;
      }
      const tlsOptions = { ...options, socket, servername: options.servername || host };
      delete tlsOptions.path;
      callback(null, tls.connect(tlsOptions));
    });
    connect.once('error', callback);
    connect.end();
    return undefined;
  }
}

if (proxyText && !https.request.paychaosForward) {
  const proxy = new URL(proxyText.includes('://') ? proxyText : `http://${proxyText}`);
  const agents = new Map(); // one tunnelling agent per keepAlive setting, shared by every request

  function agentFor(given) {
    if (given && given.constructor !== https.Agent && given !== https.globalAgent) return given;
    const keepAlive = Boolean(given && given.keepAlive);
    if (!agents.has(keepAlive)) agents.set(keepAlive, new TunnelAgent(proxy, { keepAlive }));
    return agents.get(keepAlive);
  }

  function routed(original) {
    const wrapper = function (input, options, callback) {
      let url = null;
      if (typeof input === 'string' || input instanceof URL) {
        url = typeof input === 'string' ? new URL(input) : input;
        if (typeof options === 'function') {
          callback = options;
          options = {};
        }
        options = { ...(options || {}) };
      } else {
        callback = options;
        options = { ...(input || {}) };
        input = undefined;
      }
      const host = options.hostname || options.host || (url && url.hostname) || 'localhost';
      if (!options.socketPath && !bypassed(String(host).replace(/:\d+$/, ''))) {
        options.agent = agentFor(options.agent);
      }
      return input === undefined ? original(options, callback) : original(input, options, callback);
    };
    wrapper.paychaosForward = true;
    return wrapper;
  }

  https.request = routed(https.request);
  https.get = function get(...args) {
    const req = https.request(...args);
    req.end();
    return req;
  };
}
