// The third-party libraries, loaded by the screens that draw maps and charts rather than by
// every page: a field officer on a phone signing in should not wait for 600 KB of map and chart
// code.

const SOURCES = {
  leaflet: "/assets/vendor/leaflet.js",
  topojson: "/assets/vendor/topojson-client.min.js",
  cytoscape: "/assets/vendor/cytoscape.min.js",
};

const loaded = new Map();

/** Loads the named libraries (`leaflet`, `topojson`, `cytoscape`) once each; resolves when all ran. */
export function loadLibraries(...names) {
  return Promise.all(names.map((name) => {
    if (!loaded.has(name)) {
      const script = document.createElement("script");
      script.src = SOURCES[name];
      const done = new Promise((resolve, reject) => {
        script.addEventListener("load", resolve);
        script.addEventListener("error", () => {
          loaded.delete(name);
          script.remove();
          reject(new Error(`The ${name} library could not be loaded; check the connection and try again.`));
        });
      });
      loaded.set(name, done);
      document.head.append(script);
    }
    return loaded.get(name);
  }));
}
