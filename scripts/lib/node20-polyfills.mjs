// Polyfills for the few Node 22 built-ins that vitest 5 calls in its main process
// (Object.groupBy, Map.groupBy, Promise.withResolvers). Without them, on Node 20 a failing
// test makes vitest's reporter crash ("Map.groupBy is not a function") instead of printing
// the failure. vitest.config.ts imports this file.
// Remove once the project requires Node 22 or pins a vitest that supports Node 20.

if (typeof Object.groupBy !== "function") {
  Object.defineProperty(Object, "groupBy", {
    configurable: true,
    writable: true,
    value(items, key) {
      const groups = Object.create(null);
      let i = 0;
      for (const item of items) {
        const k = key(item, i++);
        (groups[k] ??= []).push(item);
      }
      return groups;
    },
  });
}

if (typeof Map.groupBy !== "function") {
  Object.defineProperty(Map, "groupBy", {
    configurable: true,
    writable: true,
    value(items, key) {
      const groups = new Map();
      let i = 0;
      for (const item of items) {
        const k = key(item, i++);
        if (!groups.has(k)) groups.set(k, []);
        groups.get(k).push(item);
      }
      return groups;
    },
  });
}

if (typeof Promise.withResolvers !== "function") {
  Object.defineProperty(Promise, "withResolvers", {
    configurable: true,
    writable: true,
    value() {
      let resolve;
      let reject;
      const promise = new this((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
