// The offline basemap: country shapes from the bundled world atlas (Natural Earth via
// world-atlas, TopoJSON) drawn on the map's sea-coloured background, so a map works with no
// tile server and sends nothing about where an analyst is looking to anyone. A node's operator
// may name a tile server instead (`humdex serve --tile-url`).

const ATLAS = "/assets/vendor/countries-50m.json";
const ATTRIBUTION = "Borders: Natural Earth";
/** How far past ±180° of longitude the country shapes are repeated. */
export const WRAP_MARGIN = 60;

/** The countries as GeoJSON, read and unwrapped once per page. */
let countries = null;

/**
 * Adds the basemap to the Leaflet `map`: the node's tile server when it has one (`tiles`, from
 * `/ui/settings.json`), else the bundled country shapes. Answers the layer.
 */
export async function addBasemap(map, { tiles } = {}) {
  if (tiles?.url) {
    return L.tileLayer(tiles.url, { maxZoom: 19, attribution: tiles.attribution }).addTo(map);
  }
  countries ??= loadCountries().catch((error) => {
    countries = null;
    throw error;
  });
  const shapes = await countries;
  const layer = L.geoJSON(shapes, {
    // One canvas for a few hundred thousand vertices is far lighter than as many SVG paths.
    renderer: L.canvas({ padding: 0.5 }),
    interactive: false,
    style: { color: "#9aa7b4", weight: 0.6, fillColor: "#f6f3ec", fillOpacity: 1 },
    attribution: ATTRIBUTION,
  });
  layer.addTo(map);
  layer.bringToBack();
  return layer;
}

async function loadCountries() {
  const response = await fetch(ATLAS, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`The world map could not be loaded (${response.status}).`);
  const topology = await response.json();
  const collection = topojson.feature(topology, topology.objects.countries);
  for (const feature of collection.features) {
    feature.geometry = unwrapGeometry(feature.geometry);
  }
  return collection;
}

/**
 * A country's geometry drawable on a flat map. The atlas cuts shapes at the antimeridian, so a
 * ring of Russia or Fiji jumps from 180° to −180° and back; drawn as is, that jump is a band
 * across the whole map. Each ring is unwrapped (every step shorter than 180°), a ring that
 * goes once around the globe (Antarctica) is closed over its pole, and a polygon near or past
 * ±180° is drawn again on the other side, so both halves of Chukotka or Fiji show and a map
 * panned a little across the date line (up to `WRAP_MARGIN`) still has land on it.
 */
export function unwrapGeometry(geometry) {
  if (!geometry) return geometry;
  const polygons =
    geometry.type === "Polygon"
      ? [geometry.coordinates]
      : geometry.type === "MultiPolygon"
        ? geometry.coordinates
        : null;
  if (!polygons) return geometry;
  const drawn = [];
  for (const polygon of polygons) {
    // Each ring into the world as far as it goes, starting west of 180°: the few rings that
    // cross the antimeridian are outer rings, so a hole never needs to follow its outer ring.
    const placed = polygon.map((ring) => {
      const unwrapped = unwrapRing(ring);
      const west = Math.min(...unwrapped.map(([lon]) => lon));
      return shift(unwrapped, -360 * Math.floor((west + 180) / 360));
    });
    drawn.push(placed);
    const lons = placed.flatMap((ring) => ring.map(([lon]) => lon));
    if (Math.max(...lons) > 180 - WRAP_MARGIN) drawn.push(placed.map((ring) => shift(ring, -360)));
    if (Math.min(...lons) < -180 + WRAP_MARGIN) drawn.push(placed.map((ring) => shift(ring, 360)));
  }
  return { type: "MultiPolygon", coordinates: drawn };
}

/** A ring whose every step is shorter than 180° of longitude, closed over a pole it circles. */
function unwrapRing(ring) {
  const out = [];
  let previous = null;
  for (const [lon, lat] of ring) {
    let unwrapped = lon;
    if (previous !== null) {
      unwrapped += 360 * Math.round((previous - lon) / 360);
    }
    out.push([unwrapped, lat]);
    previous = unwrapped;
  }
  const first = out[0];
  const last = out[out.length - 1];
  if (first && Math.abs(last[0] - first[0]) > 180) {
    // Once around the globe: the ring encloses the pole on its side of the equator.
    const pole = out.reduce((sum, [, lat]) => sum + lat, 0) < 0 ? -90 : 90;
    out.push([last[0], pole], [first[0], pole], [first[0], first[1]]);
  }
  return out;
}

function shift(ring, degrees) {
  return degrees === 0 ? ring : ring.map(([lon, lat]) => [lon + degrees, lat]);
}
