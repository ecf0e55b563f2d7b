/**
 * GEOSEARCH / GEORADIUS on points at the edge of the circle, compared with a
 * real redis-server 7.0: a dense cluster searched with radii equal to the
 * distance (as GEODIST prints it) between two of its points, and just above
 * and below it, in meters and kilometers, and points on the centre's
 * meridian and parallel. The circle test skips the haversine for points whose
 * latitude alone puts them out (native/core/geohash.cc); these searches show
 * that it keeps every point Redis keeps, with the same distances and order.
 */
import { describe, test } from 'vitest';
import { useDifferential, type Arg, type Step } from '../helpers/differential';
import { rng } from '../helpers/replies';

describe('geo searches at the circle edge', () => {
  const d = useDifferential({ protocol: 2 });

  test('radii equal to the distance to a member, and next to it', async () => {
    const rand = rng(20261204);
    const load: Arg[] = ['GEOADD', 'edge'];
    for (let i = 0; i < 2000; i++) load.push((15 + rand() * 0.3).toFixed(6), (37 + rand() * 0.3).toFixed(6), `p${i}`);
    // On the meridian and the parallel of the centre used below.
    for (let i = 0; i < 50; i++) load.push('15.15', (37 + i * 0.006).toFixed(6), `mer${i}`);
    for (let i = 0; i < 50; i++) load.push((15 + i * 0.006).toFixed(6), '37.15', `par${i}`);
    await d.check(load);
    const steps: Step[] = [];
    for (let i = 0; i < 30; i++) {
      const a = rand() < 0.2 ? `mer${Math.floor(rand() * 50)}` : `p${Math.floor(rand() * 2000)}`;
      const b = rand() < 0.3 ? `par${Math.floor(rand() * 50)}` : `p${Math.floor(rand() * 2000)}`;
      const { ref } = await d.both('GEODIST', 'edge', a, b, 'm');
      if (ref.type !== 'bulk' || !ref.value) continue;
      const meters = Number(ref.value.toString());
      for (const r of [meters, meters + 0.0001, Math.max(0, meters - 0.0001)]) {
        steps.push(['GEOSEARCH', 'edge', 'FROMMEMBER', a, 'BYRADIUS', r.toFixed(4), 'm', 'WITHDIST', 'ASC']);
        steps.push(['GEOSEARCH', 'edge', 'FROMMEMBER', a, 'BYRADIUS', (r / 1000).toString(), 'km', 'WITHCOORD']);
      }
      steps.push(['GEORADIUS', 'edge', '15.15', '37.15', (meters / 1000).toString(), 'km', 'WITHDIST', 'DESC', 'COUNT', '25']);
    }
    await d.check(...steps);
  }, 120_000);
});
