// world.js regenerates ../assets/world.svg: the world map the console
// draws incident markers on, from Natural Earth 1:110m (public domain) as
// packaged by world-atlas (ISC licence; see ../assets/NOTICE).
//
// Usage (developer machine only; the Go build never runs this):
//   npm install --prefix /tmp/geogen world-atlas@2.0.2 topojson-client@3.1.0
//   NODE_PATH=/tmp/geogen/node_modules node world.js > ../assets/world.svg
//
// Projection: plate carrée, x = longitude, y = -latitude (in tenths of a
// degree), so a marker is placed with no arithmetic beyond a sign. The view
// spans latitudes 84 N to 60 S (Antarctica is left out). Land is one filled
// path, coasts and borders two stroked meshes; coordinates are rounded to
// 0.1 degree and written relative, which keeps the file under 100 KB.
const topojson = require('topojson-client');
const world = require('world-atlas/countries-110m.json');

const NORTH = 84;
const SOUTH = -60;

function r(v) {
  return Math.round(v * 10);
}

// pathOf writes lines or rings as an SVG path in tenths of a degree.
function pathOf(lines, close) {
  let d = '';
  for (const line of lines) {
    let px = null;
    let py = null;
    let seg = '';
    for (const [lon, lat] of line) {
      const x = r(lon);
      const y = r(-lat);
      if (px === null) {
        seg += 'M' + x + ' ' + y;
      } else if (x !== px || y !== py) {
        seg += 'l' + (x - px) + ' ' + (y - py);
      } else {
        continue;
      }
      [px, py] = [x, y];
    }
    d += seg + (close ? 'z' : '');
  }
  return d.replace(/ -/g, '-').replace(/l(-?\d+) /g, 'l$1 ');
}

// unwrap makes a line continuous across the antimeridian (Fiji, Chukotka):
// each point is moved by 360 degrees when that brings it nearer the previous
// one. It returns the line and whether it left [-180, 180]; such a line is
// drawn twice, once shifted by 360 degrees, and the view clips the rest.
function unwrap(line) {
  let off = 0;
  let out = false;
  const res = line.map(([lon, lat], i) => {
    if (i > 0) {
      const prev = line[i - 1][0];
      if (lon - prev > 180) off -= 360;
      else if (prev - lon > 180) off += 360;
    }
    if (off !== 0) out = true;
    return [lon + off, lat];
  });
  return [res, out];
}

function copies(lines) {
  const all = [];
  for (const l of lines) {
    const [u, out] = unwrap(l);
    all.push(u);
    if (out) {
      const shift = u.some(([lon]) => lon > 180) ? -360 : 360;
      all.push(u.map(([lon, lat]) => [lon + shift, lat]));
    }
  }
  return all;
}

// Each country's own polygons (Antarctica left out), then coasts and
// borders as meshes so no edge is stroked twice.
const rings = [];
for (const f of topojson.feature(world, world.objects.countries).features) {
  if (f.id === '010') continue;
  const polys = f.geometry.type === 'MultiPolygon' ? f.geometry.coordinates : [f.geometry.coordinates];
  for (const p of polys) rings.push(...p);
}
const coast = topojson.mesh(world, world.objects.countries, (a, b) => a === b);
const borders = topojson.mesh(world, world.objects.countries, (a, b) => a !== b);
const w = 3600;
const h = (NORTH - SOUTH) * 10;
process.stdout.write(
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-1800 ${-NORTH * 10} ${w} ${h}" preserveAspectRatio="none">` +
  '<!-- Natural Earth 1:110m (public domain) via world-atlas (ISC); see NOTICE -->' +
  `<rect x="-1800" y="${-NORTH * 10}" width="${w}" height="${h}" fill="#dbe7ef"/>` +
  `<path fill="#f4f1ea" d="${pathOf(copies(rings), true)}"/>` +
  `<path fill="none" stroke="#9a9488" stroke-width="1" vector-effect="non-scaling-stroke" stroke-linejoin="round" d="${pathOf(copies(coast.coordinates), false)}"/>` +
  `<path fill="none" stroke="#b9b2a5" stroke-width="0.8" vector-effect="non-scaling-stroke" stroke-linejoin="round" d="${pathOf(copies(borders.coordinates), false)}"/>` +
  '</svg>\n');
