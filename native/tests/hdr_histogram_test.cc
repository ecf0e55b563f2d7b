// The latency histogram against values redis-server 7.0 printed for the same
// durations (INFO latencystats, LATENCY HISTOGRAM): the equivalent-value
// ranges, percentiles and the logarithmic buckets.
#include "core/hdr_histogram.h"
#include "tests/check.h"

using tachyon::LatencyHistogram;

TEST(empty) {
  LatencyHistogram h;
  CHECK_EQ(h.total(), 0);
  CHECK_EQ(h.ValueAtPercentile(50), 0);
  CHECK(h.CumulativeBuckets().empty());
}

TEST(percentiles_are_redis_values) {
  // INFO latencystats printed p0=46.848, p50=47.103 for a 47 us command,
  // p50=64.255 for 64 us, p0=50069.504 and p50=50331.647 for a 50 ms sleep.
  LatencyHistogram a;
  a.Record(47000);
  CHECK_EQ(a.ValueAtPercentile(0), 46848);
  CHECK_EQ(a.ValueAtPercentile(50), 47103);
  CHECK_EQ(a.ValueAtPercentile(100), 47103);
  LatencyHistogram b;
  b.Record(64000);
  CHECK_EQ(b.ValueAtPercentile(99.9), 64255);
  LatencyHistogram c;
  c.Record(50100000);
  CHECK_EQ(c.ValueAtPercentile(0), 50069504);
  CHECK_EQ(c.ValueAtPercentile(50), 50331647);
  // A 0 us command is recorded as 1 ns.
  LatencyHistogram d;
  d.Record(0);
  CHECK_EQ(d.ValueAtPercentile(50), 1);
}

TEST(percentiles_pick_the_rank) {
  LatencyHistogram h;
  for (int i = 1; i <= 100; i++) h.Record(i * 1000);
  // count_at_percentile = percentile% of 100, rounded: the 50th value is 50 us.
  CHECK_EQ(h.ValueAtPercentile(50), 50175);  // 50000 in [49920, 50175]
  CHECK_EQ(h.ValueAtPercentile(99), 99327);  // 99000 in [98816, 99327]
  CHECK_EQ(h.ValueAtPercentile(100), 100351);
}

TEST(log_buckets_are_redis_buckets) {
  // LATENCY HISTOGRAM after DEBUG SLEEP: 12 ms, 12 ms, 25 ms and 100 ms land
  // under 2^24, 2^25 and 2^27 ns, reported as their sub-bucket's highest
  // value in microseconds, with cumulative counts.
  LatencyHistogram h;
  h.Record(12000000);
  h.Record(12100000);
  h.Record(25000000);
  h.Record(100000000);
  auto rows = h.CumulativeBuckets();
  CHECK_EQ(rows.size(), 3u);
  CHECK_EQ(rows[0].first, 16908);
  CHECK_EQ(rows[0].second, 2);
  CHECK_EQ(rows[1].first, 33816);
  CHECK_EQ(rows[1].second, 3);
  CHECK_EQ(rows[2].first, 135266);
  CHECK_EQ(rows[2].second, 4);
  // Redis printed 67633 for 50 ms sleeps.
  LatencyHistogram s;
  s.Record(50100000);
  auto one = s.CumulativeBuckets();
  CHECK_EQ(one.size(), 1u);
  CHECK_EQ(one[0].first, 67633);
}

TEST(small_values_share_the_first_bucket) {
  // 0 and 1 us both report under "1"; 2 us under "2", 3 and 4 us under "4".
  LatencyHistogram h;
  h.Record(0);
  h.Record(1000);
  h.Record(2000);
  h.Record(3000);
  h.Record(4000);
  h.Record(17000);
  auto rows = h.CumulativeBuckets();
  CHECK_EQ(rows.size(), 4u);
  CHECK_EQ(rows[0].first, 1);
  CHECK_EQ(rows[0].second, 2);
  CHECK_EQ(rows[1].first, 2);
  CHECK_EQ(rows[1].second, 3);
  CHECK_EQ(rows[2].first, 4);
  CHECK_EQ(rows[2].second, 5);
  CHECK_EQ(rows[3].first, 33);
  CHECK_EQ(rows[3].second, 6);
}

TEST(clamped_to_one_second) {
  LatencyHistogram h;
  h.Record(5000000000LL);
  CHECK_EQ(h.total(), 1);
  CHECK(h.ValueAtPercentile(50) >= 1000000000LL);
}

int main(int argc, char** argv) { return tachyon::test::RunAll(argc, argv); }
