/**
 * Geo commands (GEOADD GEODIST GEOHASH GEOPOS GEORADIUS[_RO]
 * GEORADIUSBYMEMBER[_RO] GEOSEARCH GEOSEARCHSTORE) compared reply for reply
 * with a real redis-server 7.0 in RESP2 and RESP3: the 52-bit scores GEOADD
 * stores, decoded coordinates and distances to the last printed digit,
 * search results and their order (unsorted, ASC/DESC, COUNT with and without
 * ANY, ties between points at the same place), every option and error, the
 * stored results and their encodings, points near the poles and the
 * antimeridian, zsets whose scores are not geohashes, events and tracking
 * invalidations, and seeded random scripts.
 */
import { describe, test } from 'vitest';
import { PROTOCOLS, exp, useDifferential, type Arg, type Step } from '../helpers/differential';
import { ARITY, NOT_INT, SYNTAX, WRONGTYPE, rng } from '../helpers/replies';
import { checkSideEffects, checkStats } from '../helpers/side-effects';

const NOT_FLOAT = '-ERR value is not a valid float';
const BAD_UNIT = '-ERR unsupported unit provided. please use M, KM, FT, MI';
const NO_MEMBER = '-ERR could not decode requested zset member';

/** A fixed set of places: a dense cluster, duplicates, poles, the antimeridian. */
function places(seed: number): Arg[] {
  const rand = rng(seed);
  const out: Arg[] = [];
  for (let i = 0; i < 300; i++) {
    out.push((13 + rand() * 4).toFixed(6), (36 + rand() * 4).toFixed(6), `p${i}`);
  }
  for (let i = 0; i < 12; i++) out.push('15.5', '37.5', `same${i}`);
  for (let i = 0; i < 40; i++) {
    out.push((rand() * 360 - 180).toFixed(5), (rand() * 170.1 - 85.05).toFixed(5), `w${i}`);
  }
  out.push('179.9999', '0', 'east-edge', '-179.9999', '0', 'west-edge', '180', '85.05112878', 'corner');
  out.push('-180', '-85.05112878', 'corner2', '0', '84', 'north', '0', '-84', 'south', '0', '0', 'origin');
  return out;
}

describe.each(PROTOCOLS)('geo (RESP%i)', (protocol) => {
  const d = useDifferential({ protocol });
  const restoreEncoding = () => d.adminCall('CONFIG', 'SET', 'zset-max-listpack-entries', '128');

  test('GEOADD: scores, options, replies, errors', () =>
    d.check(
      exp(['GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'], ':2'),
      ['ZRANGE', 'g', '0', '-1', 'WITHSCORES'],
      exp(['OBJECT', 'ENCODING', 'g'], '"listpack"'),
      exp(['GEOADD', 'g', '13.361389', '38.115556', 'Palermo'], ':0'),
      exp(['GEOADD', 'g', 'CH', '13.4', '38.1', 'Palermo', '1', '1', 'new'], ':2'),
      exp(['GEOADD', 'g', 'NX', '0', '0', 'Palermo', '2', '2', 'new2'], ':1'),
      exp(['GEOADD', 'g', 'XX', '3', '3', 'Palermo', '3', '3', 'nope'], ':0'),
      exp(['GEOADD', 'g', 'XX', 'CH', '4', '4', 'Palermo', '3', '3', 'nope'], ':1'),
      exp(['GEOADD', 'g', 'ch', 'xx', 'ch', '5', '5', 'Palermo'], ':1'),
      exp(['GEOADD', 'g', 'NX', 'CH', '5', '5', 'Palermo', '6', '6', 'new3'], ':1'),
      ['ZRANGE', 'g', '0', '-1', 'WITHSCORES'],
      exp(['GEOADD', 'g', 'NX', 'XX', '1', '1', 'x'], SYNTAX),
      exp(['GEOADD', 'g', '1', '1'], ARITY('geoadd')),
      exp(['GEOADD', 'g', '1', '1', 'a', '2'], SYNTAX),
      exp(['GEOADD', 'g', 'CH', '1', '1', 'a', '2'], SYNTAX),
      exp(['GEOADD', 'g', 'GT', '1', '1'], NOT_FLOAT),
      exp(['GEOADD', 'g', 'ch', 'nx', 'ch'], '-ERR syntax error'),
      exp(['GEOADD', 'g', 'x', '1', 'a'], NOT_FLOAT),
      exp(['GEOADD', 'g', '1', 'nan', 'a'], NOT_FLOAT),
      exp(['GEOADD', 'g', '1', '1', 'ok', '181', '1', 'bad'], '-ERR invalid longitude,latitude pair 181.000000,1.000000'),
      exp(['EXISTS', 'ok'], ':0'),
      exp(['ZSCORE', 'g', 'ok'], protocol === 2 ? 'nil' : '_'),
      exp(['GEOADD', 'g', '-180.0000001', '0', 'a'], /^-ERR invalid longitude,latitude pair -180.000000,0.000000$/),
      exp(['GEOADD', 'g', '0', '85.05112879', 'a'], '-ERR invalid longitude,latitude pair 0.000000,85.051129'),
      exp(['GEOADD', 'g', '0', '-85.05112879', 'a'], /^-ERR invalid longitude,latitude pair/),
      exp(['GEOADD', 'g', '1e300', '0', 'a'], /^-ERR invalid longitude,latitude pair 1\d{300}\.000000,0\.000000$/),
      exp(['GEOADD', 'g', 'inf', '0', 'a'], '-ERR invalid longitude,latitude pair inf,0.000000'),
      exp(['GEOADD', 'g', '180', '85.05112878', 'edge', '-180', '-85.05112878', 'edge2'], ':2'),
      ['GEOADD', 'g', '0', '0', '1', '0', '0', '-1', '0x10', '1e1', 'hex'],
      ['ZRANGE', 'g', '0', '-1', 'WITHSCORES'],
      ['SET', 's', 'x'],
      exp(['GEOADD', 's', '1', '1', 'a'], WRONGTYPE),
      exp(['GEOADD', 's', '1', '1'], ARITY('geoadd')),
    ));

  test('GEOPOS, GEOHASH, GEODIST', () =>
    d.check(
      ['GEOADD', 'g', ...places(1)],
      ['GEOPOS', 'g', 'p0', 'p1', 'missing', 'same0', 'east-edge', 'west-edge', 'corner', 'corner2', 'origin', 'north'],
      ['GEOHASH', 'g', 'p0', 'p1', 'missing', 'same0', 'east-edge', 'west-edge', 'corner', 'corner2', 'origin', 'south'],
      ['GEOPOS', 'missing', 'a', 'b'],
      ['GEOHASH', 'missing', 'a'],
      ['GEOPOS', 'g'],
      ['GEOHASH', 'g'],
      ['GEODIST', 'g', 'p0', 'p1'],
      ...['m', 'km', 'ft', 'mi', 'M', 'KM', 'Ft', 'mI'].map((u): Step => ['GEODIST', 'g', 'p2', 'p3', u]),
      ['GEODIST', 'g', 'east-edge', 'west-edge'],
      ['GEODIST', 'g', 'corner', 'corner2', 'km'],
      ['GEODIST', 'g', 'north', 'south', 'mi'],
      ['GEODIST', 'g', 'same0', 'same1'],
      ['GEODIST', 'g', 'p0', 'p0'],
      ['GEODIST', 'g', 'p0', 'missing'],
      ['GEODIST', 'g', 'missing', 'p0'],
      ['GEODIST', 'missing', 'a', 'b'],
      exp(['GEODIST', 'g', 'p0', 'p1', 'parsec'], BAD_UNIT),
      exp(['GEODIST', 'missing', 'a', 'b', 'parsec'], BAD_UNIT),
      exp(['GEODIST', 'g', 'p0', 'p1', 'km', 'x'], SYNTAX),
      exp(['GEODIST', 'g', 'p0'], ARITY('geodist')),
      exp(['GEOPOS'], ARITY('geopos')),
      exp(['GEOHASH'], ARITY('geohash')),
      ['SADD', 'set', 'a'],
      exp(['GEOPOS', 'set', 'a'], WRONGTYPE),
      exp(['GEOHASH', 'set', 'a'], WRONGTYPE),
      exp(['GEODIST', 'set', 'a', 'b'], WRONGTYPE),
      exp(['GEODIST', 'set', 'a', 'b', 'parsec'], BAD_UNIT),
    ));

  test('sorted sets whose scores are not geohashes', () =>
    d.check(
      ['ZADD', 'z', '-1', 'neg', '0', 'zero', '1e30', 'huge', 'inf', 'pinf', '-inf', 'ninf', '4503599627370495', 'max52'],
      ['ZADD', 'z', '4503599627370496', 'p52', '9007199254740993', 'p53', '1.5', 'frac', '-9.3e18', 'vneg', '1.8e19', 'big64'],
      ['ZADD', 'z', '9.3e18', 'over63', '-1e300', 'tiny'],
      ['GEOPOS', 'z', 'neg', 'zero', 'huge', 'pinf', 'ninf', 'max52', 'p52', 'p53', 'frac', 'vneg', 'big64', 'over63', 'tiny'],
      ['GEOHASH', 'z', 'neg', 'zero', 'huge', 'pinf', 'ninf', 'max52', 'p52', 'p53', 'frac', 'vneg', 'big64', 'over63', 'tiny'],
      ['GEODIST', 'z', 'neg', 'huge'],
      ['GEODIST', 'z', 'zero', 'max52', 'km'],
      ['GEORADIUS', 'z', '0', '0', '20000', 'km', 'WITHHASH', 'WITHCOORD', 'WITHDIST'],
      ['GEOSEARCH', 'z', 'FROMMEMBER', 'zero', 'BYBOX', '40000', '40000', 'km', 'WITHHASH', 'ASC'],
      ['GEORADIUSBYMEMBER', 'z', 'max52', '1', 'km', 'WITHHASH'],
    ));

  test('searches: shapes, radii, sorting, COUNT and ANY, options', async () => {
    await d.check(['GEOADD', 'g', ...places(2)]);
    const centres: Array<[string, string]> = [
      ['15', '37'], ['15.5', '37.5'], ['13', '36'], ['0', '0'], ['179.99', '0'], ['-179.99', '0.5'],
      ['0', '84.9'], ['10', '-85'], ['100', '50'],
    ];
    const radii: Array<[string, string]> = [
      ['0', 'm'], ['10', 'm'], ['1', 'km'], ['50', 'km'], ['150', 'km'], ['300', 'km'], ['5000', 'km'],
      ['20000', 'km'], ['400', 'mi'], ['900000', 'ft'],
    ];
    const steps: Step[] = [];
    for (const [lon, lat] of centres) {
      for (const [r, unit] of radii) {
        steps.push(['GEORADIUS', 'g', lon, lat, r, unit]);
        steps.push(['GEORADIUS', 'g', lon, lat, r, unit, 'WITHDIST', 'ASC']);
        steps.push(['GEORADIUS_RO', 'g', lon, lat, r, unit, 'DESC', 'WITHCOORD', 'WITHHASH', 'COUNT', '7']);
        steps.push(['GEOSEARCH', 'g', 'FROMLONLAT', lon, lat, 'BYRADIUS', r, unit, 'COUNT', '3', 'ANY']);
        steps.push(['GEOSEARCH', 'g', 'FROMLONLAT', lon, lat, 'BYBOX', r, String(Number(r) / 2), unit, 'WITHDIST']);
        steps.push(['GEOSEARCH', 'g', 'FROMLONLAT', lon, lat, 'BYBOX', String(Number(r) * 2), r, unit, 'ASC', 'COUNT', '20']);
      }
    }
    for (const member of ['p0', 'p17', 'same3', 'corner', 'east-edge', 'north', 'w7']) {
      for (const [r, unit] of radii) {
        steps.push(['GEORADIUSBYMEMBER', 'g', member, r, unit, 'WITHDIST', 'WITHCOORD']);
        steps.push(['GEORADIUSBYMEMBER_RO', 'g', member, r, unit, 'ASC', 'COUNT', '5']);
        steps.push(['GEOSEARCH', 'g', 'FROMMEMBER', member, 'BYBOX', r, r, unit, 'DESC', 'WITHHASH']);
      }
    }
    await d.check(...steps);
  });

  test('ties: points at the same place, with and without COUNT', async () => {
    const steps: Step[] = [['GEOADD', 'g', ...places(3)]];
    for (const count of ['1', '2', '5', '11', '12', '13', '30', '100', '400']) {
      steps.push(['GEORADIUS', 'g', '15.5', '37.5', '100', 'km', 'COUNT', count]);
      steps.push(['GEORADIUS', 'g', '15.5', '37.5', '100', 'km', 'COUNT', count, 'DESC']);
      steps.push(['GEOSEARCH', 'g', 'FROMMEMBER', 'same5', 'BYRADIUS', '10', 'km', 'COUNT', count, 'WITHDIST']);
      steps.push(['GEOSEARCH', 'g', 'FROMLONLAT', '15.5', '37.5', 'BYBOX', '300', '300', 'km', 'COUNT', count, 'ANY', 'ASC']);
      steps.push(['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '15.5', '37.5', 'BYRADIUS', '200', 'km', 'COUNT', count]);
      steps.push(['ZRANGE', 'dst', '0', '-1', 'WITHSCORES']);
    }
    steps.push(['GEORADIUS', 'g', '15.5', '37.5', '1', 'm', 'ASC'], ['GEORADIUS', 'g', '15.5', '37.5', '1', 'm', 'DESC']);
    await d.check(...steps);
  });

  test('both encodings give the same results', async () => {
    try {
      for (const entries of ['0', '128', '1000']) {
        await d.adminCall('CONFIG', 'SET', 'zset-max-listpack-entries', entries);
        await d.check(
          ['DEL', 'g'],
          ['GEOADD', 'g', ...places(4).slice(0, 60 * 3)],
          ['OBJECT', 'ENCODING', 'g'],
          ['GEORADIUS', 'g', '15', '38', '200', 'km', 'WITHDIST'],
          ['GEOSEARCH', 'g', 'FROMMEMBER', 'p3', 'BYBOX', '100', '300', 'km', 'COUNT', '10', 'ANY'],
          ['GEOSEARCHSTORE', 'out', 'g', 'FROMMEMBER', 'p3', 'BYBOX', '100', '300', 'km'],
          ['OBJECT', 'ENCODING', 'out'],
          ['ZRANGE', 'out', '0', '-1', 'WITHSCORES'],
        );
      }
    } finally {
      await restoreEncoding();
    }
  });

  test('STORE, STOREDIST and GEOSEARCHSTORE', () =>
    d.check(
      ['GEOADD', 'g', ...places(5)],
      exp(['GEORADIUS', 'g', '15', '37', '100', 'km', 'STORE', 'out'], /^:\d+$/),
      ['ZRANGE', 'out', '0', '-1', 'WITHSCORES'],
      ['OBJECT', 'ENCODING', 'out'],
      ['GEORADIUS', 'g', '15', '37', '100', 'km', 'STOREDIST', 'out', 'COUNT', '5', 'DESC'],
      ['ZRANGE', 'out', '0', '-1', 'WITHSCORES'],
      ['GEORADIUS', 'g', '15', '37', '300', 'km', 'STORE', 'out', 'STOREDIST', 'out2'],
      ['EXISTS', 'out'],
      ['ZRANGE', 'out2', '0', '-1', 'WITHSCORES'],
      ['OBJECT', 'ENCODING', 'out2'],
      ['GEORADIUSBYMEMBER', 'g', 'p1', '20', 'km', 'STORE', 'out3', 'ASC'],
      ['ZRANGE', 'out3', '0', '-1', 'WITHSCORES'],
      ['GEOSEARCHSTORE', 'out4', 'g', 'FROMMEMBER', 'p1', 'BYRADIUS', '30', 'mi', 'STOREDIST'],
      ['ZRANGE', 'out4', '0', '-1', 'WITHSCORES'],
      ['GEOSEARCHSTORE', 'out4', 'g', 'FROMLONLAT', '15', '37', 'BYBOX', '30', '30', 'km', 'COUNT', '2', 'ANY'],
      ['ZRANGE', 'out4', '0', '-1', 'WITHSCORES'],
      ['SET', 'ttl', 'x', 'EX', '100'],
      ['GEOSEARCHSTORE', 'ttl', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '30', 'km'],
      exp(['TTL', 'ttl'], ':-1'),
      ['TYPE', 'ttl'],
      // nothing found: the destination goes away
      exp(['GEOSEARCHSTORE', 'out4', 'g', 'FROMLONLAT', '100', '0', 'BYRADIUS', '1', 'm'], ':0'),
      exp(['EXISTS', 'out4'], ':0'),
      exp(['GEORADIUS', 'g', '100', '0', '1', 'm', 'STORE', 'out3'], ':0'),
      exp(['EXISTS', 'out3'], ':0'),
      exp(['GEORADIUS', 'missing', '100', '0', '1', 'm', 'STORE', 'out2'], ':0'),
      exp(['EXISTS', 'out2'], ':0'),
      exp(['GEOSEARCHSTORE', 'out', 'missing', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'm'], ':0'),
      exp(['EXISTS', 'out'], ':0'),
      exp(['GEORADIUSBYMEMBER', 'missing', 'x', 'bad', 'units', 'STORE', 'out'], ':0'),
      exp(['GEORADIUSBYMEMBER', 'missing', 'x', '1', 'm'], '[]'),
      exp(['GEORADIUS', 'missing', '1', '1', '1', 'm'], '[]'),
      exp(['GEOSEARCH', 'missing', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'm'], '[]'),
      exp(['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '100', '0', 'BYRADIUS', '1', 'm', 'STOREDIST'], ':0'),
      // the source itself as the destination
      ['GEOADD', 'self', '15', '37', 'a', '15.01', '37.01', 'b', '40', '40', 'far'],
      ['GEORADIUS', 'self', '15', '37', '10', 'km', 'STORE', 'self'],
      ['ZRANGE', 'self', '0', '-1', 'WITHSCORES'],
      ['GEOSEARCHSTORE', 'self', 'self', 'FROMMEMBER', 'a', 'BYRADIUS', '10', 'km', 'STOREDIST'],
      ['ZRANGE', 'self', '0', '-1', 'WITHSCORES'],
      ['GEOSEARCHSTORE', 'self', 'self', 'FROMLONLAT', '0', '0', 'BYRADIUS', '10', 'km'],
      exp(['EXISTS', 'self'], ':0'),
    ));

  test('search errors', () =>
    d.check(
      ['GEOADD', 'g', '15', '37', 'a', '15.1', '37.1', 'b'],
      exp(['GEORADIUS', 'g', '15', '37', '-1', 'km'], '-ERR radius cannot be negative'),
      exp(['GEORADIUS', 'g', '15', '37', 'x', 'km'], '-ERR need numeric radius'),
      exp(['GEORADIUS', 'g', '15', '37', '1', 'parsec'], BAD_UNIT),
      exp(['GEORADIUS', 'g', '15', '97', '1', 'km'], '-ERR invalid longitude,latitude pair 15.000000,97.000000'),
      exp(['GEORADIUS', 'g', 'x', '37', '1', 'km'], NOT_FLOAT),
      exp(['GEORADIUS', 'g', '15', '37', '1', 'km', 'COUNT', '0'], '-ERR COUNT must be > 0'),
      exp(['GEORADIUS', 'g', '15', '37', '1', 'km', 'COUNT', '-3'], '-ERR COUNT must be > 0'),
      exp(['GEORADIUS', 'g', '15', '37', '1', 'km', 'COUNT', 'x'], NOT_INT),
      exp(['GEORADIUS', 'g', '15', '37', '1', 'km', 'COUNT'], SYNTAX),
      exp(['GEORADIUS', 'g', '15', '37', '1', 'km', 'ANY'], '-ERR the ANY argument requires COUNT argument'),
      exp(['GEORADIUS', 'g', '15', '37', '1', 'km', 'STORE'], SYNTAX),
      exp(['GEORADIUS', 'g', '15', '37', '1', 'km', 'FOO'], SYNTAX),
      exp(['GEORADIUS', 'g', '15', '37', '1', 'km', 'STORE', 'x', 'WITHDIST'], '-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options'),
      exp(['GEORADIUS', 'g', '15', '37', '1', 'km', 'WITHHASH', 'STOREDIST', 'x'], '-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options'),
      exp(['GEORADIUS_RO', 'g', '15', '37', '1', 'km', 'STORE', 'x'], SYNTAX),
      exp(['GEORADIUS', 'g', '15', '37', '1', 'km', 'FROMMEMBER', 'a'], SYNTAX),
      exp(['GEORADIUS', 'g', '15', '37', '1'], ARITY('georadius')),
      exp(['GEORADIUSBYMEMBER', 'g', 'nope', '1', 'km'], NO_MEMBER),
      exp(['GEORADIUSBYMEMBER', 'g', 'a', '-1', 'km'], '-ERR radius cannot be negative'),
      exp(['GEORADIUSBYMEMBER_RO', 'g', 'a', '1', 'km', 'STOREDIST', 'x'], SYNTAX),
      exp(['GEORADIUSBYMEMBER', 'g', 'a', '1'], ARITY('georadiusbymember')),
      exp(['GEOSEARCH', 'g', 'FROMMEMBER', 'a', 'BYRADIUS', '1'], ARITY('geosearch')),
      exp(['GEOSEARCH', 'g', 'BYRADIUS', '1', 'km', 'ASC', 'WITHDIST'], '-ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH'),
      exp(['geosearch', 'g', 'BYRADIUS', '1', 'km', 'ASC', 'WITHDIST'], '-ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch'),
      exp(['GEOSEARCH', 'g', 'FROMMEMBER', 'a', 'WITHDIST', 'ASC', 'WITHHASH'], '-ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH'),
      exp(['GeoSearch', 'g', 'FROMMEMBER', 'a', 'WITHDIST', 'ASC', 'WITHHASH'], '-ERR exactly one of BYRADIUS and BYBOX can be specified for GeoSearch'),
      exp(['GEOSEARCH', 'g', 'FROMMEMBER', 'a', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km'], SYNTAX),
      exp(['GEOSEARCH', 'g', 'FROMLONLAT', '1', '1', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km'], SYNTAX),
      exp(['GEOSEARCH', 'g', 'FROMMEMBER', 'a', 'FROMMEMBER', 'b', 'BYRADIUS', '100', 'km'], /^\[/),
      exp(['GEOSEARCH', 'g', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km', 'BYBOX', '1', '1', 'km'], SYNTAX),
      exp(['GEOSEARCH', 'g', 'FROMMEMBER', 'a', 'BYBOX', '1', '1', 'km', 'BYRADIUS', '1', 'km'], SYNTAX),
      exp(['GEOSEARCH', 'g', 'FROMMEMBER', 'nope', 'BYRADIUS', '1', 'km'], NO_MEMBER),
      exp(['GEOSEARCH', 'g', 'FROMLONLAT', '200', '0', 'BYRADIUS', '1', 'km'], '-ERR invalid longitude,latitude pair 200.000000,0.000000'),
      exp(['GEOSEARCH', 'g', 'FROMMEMBER', 'a', 'BYBOX', '-1', '1', 'km'], '-ERR height or width cannot be negative'),
      exp(['GEOSEARCH', 'g', 'FROMMEMBER', 'a', 'BYBOX', '1', '-1', 'km'], '-ERR height or width cannot be negative'),
      exp(['GEOSEARCH', 'g', 'FROMMEMBER', 'a', 'BYBOX', 'x', '1', 'km'], '-ERR need numeric width'),
      exp(['GEOSEARCH', 'g', 'FROMMEMBER', 'a', 'BYBOX', '1', 'x', 'km'], '-ERR need numeric height'),
      exp(['GEOSEARCH', 'g', 'FROMMEMBER', 'a', 'BYBOX', '1', '1', 'lightyear'], BAD_UNIT),
      exp(['GEOSEARCH', 'g', 'FROMMEMBER', 'a', 'BYBOX', '1', '1'], SYNTAX),
      exp(['GEOSEARCH', 'g', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km', 'STORE', 'x'], SYNTAX),
      exp(['GEOSEARCH', 'g', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km', 'STOREDIST'], SYNTAX),
      exp(['GEOSEARCH', 'g', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km', 'ANY'], '-ERR the ANY argument requires COUNT argument'),
      exp(['GEOSEARCHSTORE', 'd', 'g', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km', 'WITHDIST'], '-ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options'),
      exp(['GEOSEARCHSTORE', 'd', 'g', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km', 'STORE', 'x'], SYNTAX),
      exp(['GEOSEARCHSTORE', 'd', 'g', 'FROMMEMBER', 'a', 'BYRADIUS', '1'], ARITY('geosearchstore')),
      exp(['GEOSEARCHSTORE', 'd', 'missing', 'FROMMEMBER', 'a', 'BYBOX', '1', '1', 'km', 'WITHCOORD'], '-ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options'),
      exp(['GEOSEARCH', 'missing', 'FROMMEMBER', 'a', 'ASC', 'DESC', 'ASC'], '-ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH'),
      // the search type is checked before the arguments after it
      exp(['GEOSEARCH', 'missing', 'COUNT', '0', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km'], '-ERR COUNT must be > 0'),
      ['LPUSH', 'l', 'x'],
      exp(['GEORADIUS', 'l', '15', '37', '1', 'km'], WRONGTYPE),
      exp(['GEORADIUS', 'l', '15', '97', 'x', 'km'], WRONGTYPE),
      exp(['GEOSEARCHSTORE', 'd', 'l', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km'], WRONGTYPE),
      exp(['GEOSEARCHSTORE', 'l', 'g', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km'], ':1'),
      ['TYPE', 'l'],
      exp(['GEORADIUS', 'g', '15', '37', 'inf', 'km', 'COUNT', '1'], /^\[/),
      exp(['GEOSEARCH', 'g', 'FROMLONLAT', '15', '37', 'BYBOX', 'inf', '1', 'km'], /^\[/),
    ));

  test('keyspace events and tracking invalidations', () =>
    checkSideEffects(d, [
      ['GEOADD', 'g', '15', '37', 'a', '15.1', '37.1', 'b'],
      ['GEOADD', 'g', '15', '37', 'a'],
      ['GEOADD', 'g', 'XX', '15.2', '37', 'a'],
      ['GEOPOS', 'g', 'a'],
      ['GEOPOS', 'missing', 'a'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '100', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '100', 'km', 'STOREDIST'],
      ['GEORADIUS', 'g', '15', '37', '100', 'km', 'STORE', 'dst2'],
      ['GEORADIUS', 'g', '15', '37', '100', 'km'],
      ['GEORADIUS', 'g', '0', '0', '1', 'km', 'STORE', 'dst2'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCHSTORE', 'dst', 'missing', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
    ]));

  test('keyspace hits and misses, command statistics', () =>
    checkStats(d, [
      ['GEOADD', 'g', '15', '37', 'a', '15.1', '37.1', 'b'],
      ['GEOADD', 'g', '200', '37', 'a'],
      ['GEOADD', 'g', 'NX', 'XX', '1', '1', 'a'],
      ['GEOPOS', 'g', 'a'],
      ['GEOPOS', 'missing', 'a'],
      ['GEOHASH', 'g', 'a'],
      ['GEODIST', 'g', 'a', 'b'],
      ['GEODIST', 'missing', 'a', 'b'],
      ['GEORADIUS', 'g', '15', '37', '100', 'km'],
      ['GEORADIUS_RO', 'missing', '15', '37', '100', 'km'],
      ['GEORADIUSBYMEMBER', 'g', 'a', '100', 'km', 'STORE', 'out'],
      ['GEORADIUSBYMEMBER_RO', 'g', 'zz', '100', 'km'],
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'a', 'BYRADIUS', '100', 'km'],
      ['GEOSEARCHSTORE', 'out', 'g', 'FROMMEMBER', 'a', 'BYBOX', '100', '100', 'km'],
      ['GEOSEARCHSTORE', 'out', 'missing', 'FROMMEMBER', 'a', 'BYBOX', '100', '100', 'km'],
    ]));

  test('random operation scripts', async () => {
    const rand = rng(protocol * 4243 + 9);
    const int = (n: number) => Math.floor(rand() * n);
    const pick = <T,>(xs: T[]) => xs[int(xs.length)];
    const lon = () => (rand() < 0.8 ? 10 + rand() * 10 : rand() * 360 - 180).toFixed(int(8));
    const lat = () => (rand() < 0.8 ? 40 + rand() * 5 : rand() * 170 - 85).toFixed(int(8));
    const member = () => `m${int(80)}`;
    const unit = () => pick(['m', 'km', 'mi', 'ft']);
    const dist = () => String(pick([0, 1, 10, 100, 1000, 50000, 500000]) * rand());
    const options = (): Arg[] => {
      const o: Arg[] = [];
      if (rand() < 0.3) o.push('WITHDIST');
      if (rand() < 0.3) o.push('WITHCOORD');
      if (rand() < 0.3) o.push('WITHHASH');
      if (rand() < 0.4) o.push(pick(['ASC', 'DESC']));
      if (rand() < 0.4) o.push('COUNT', String(1 + int(10)), ...(rand() < 0.3 ? ['ANY'] : []));
      return o;
    };
    const keys = ['g1', 'g2'];
    try {
      for (let round = 0; round < 4; round++) {
        const steps: Step[] = [['CONFIG', 'SET', 'zset-max-listpack-entries', pick(['0', '16', '128'])]];
        for (let i = 0; i < 120; i++) {
          const k = pick(keys);
          const r = rand();
          if (r < 0.3) {
            const cmd: Arg[] = ['GEOADD', k];
            if (rand() < 0.2) cmd.push(pick(['NX', 'XX', 'CH']));
            for (let n = 1 + int(5); n > 0; n--) cmd.push(lon(), lat(), member());
            steps.push(cmd);
          } else if (r < 0.4) steps.push(['GEORADIUS', k, lon(), lat(), dist(), unit(), ...options()]);
          else if (r < 0.5) steps.push(['GEORADIUSBYMEMBER', k, member(), dist(), unit(), ...options()]);
          else if (r < 0.65) {
            const from: Arg[] = rand() < 0.5 ? ['FROMMEMBER', member()] : ['FROMLONLAT', lon(), lat()];
            const by: Arg[] = rand() < 0.5 ? ['BYRADIUS', dist(), unit()] : ['BYBOX', dist(), dist(), unit()];
            steps.push(['GEOSEARCH', k, ...from, ...by, ...options()]);
          } else if (r < 0.72) {
            const store = pick(['s1', 's2']);
            steps.push(
              ['GEOSEARCHSTORE', store, k, 'FROMMEMBER', member(), 'BYRADIUS', dist(), unit(), ...(rand() < 0.5 ? ['STOREDIST'] : [])],
              ['ZRANGE', store, '0', '-1', 'WITHSCORES'],
              ['OBJECT', 'ENCODING', store],
            );
          } else if (r < 0.8) steps.push(['GEOPOS', k, member(), member()], ['GEOHASH', k, member(), member()]);
          else if (r < 0.88) steps.push(['GEODIST', k, member(), member(), unit()]);
          else if (r < 0.93) steps.push(['ZREM', k, member()]);
          else if (r < 0.97) steps.push(['ZRANGE', k, '0', '-1', 'WITHSCORES']);
          else steps.push(['DEL', k]);
        }
        steps.push(...keys.map((k): Step => ['ZRANGE', k, '0', '-1', 'WITHSCORES']), ['DEL', ...keys, 's1', 's2']);
        await d.check(...steps);
      }
    } finally {
      await restoreEncoding();
    }
  });
});
