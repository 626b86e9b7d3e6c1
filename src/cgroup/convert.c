/* convert.c — the OCI (cgroup v1 shaped) values turned into cgroup v2 ones. See cgroup.h. */
#include "cgroup/cgroup.h"

#include <stdint.h>

/* The runtime links statically without libm; these two are accurate to ~1e-15 on the ranges used. */
static double ln_(double x) /* x > 0 */
{
	int e = 0;
	while (x >= 2.0) { x /= 2.0; e++; }
	while (x < 1.0) { x *= 2.0; e--; }
	/* ln(x) = 2 atanh((x-1)/(x+1)), |t| <= 1/3 */
	double t = (x - 1.0) / (x + 1.0), t2 = t * t, term = t, sum = 0.0;
	for (int k = 1; k < 60; k += 2) {
		sum += term / k;
		term *= t2;
	}
	return 2.0 * sum + e * 0.69314718055994530942;
}

static double exp_(double x)
{
	/* exp(x) = 2^k exp(r), |r| <= ln2/2 */
	int k = (int)(x / 0.69314718055994530942 + (x >= 0 ? 0.5 : -0.5));
	double r = x - k * 0.69314718055994530942, term = 1.0, sum = 1.0;
	for (int n = 1; n < 30; n++) {
		term *= r / n;
		sum += term;
	}
	for (; k > 0; k--) sum *= 2.0;
	for (; k < 0; k++) sum /= 2.0;
	return sum;
}

uint64_t cgroup_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares <= 2)
		return 1;
	if (shares >= 262144)
		return 10000;
	/* In log2 space the shares range is [1, 18]; a parabola through log10(weight) = 0, 2 and 4 at
	 * log2(shares) = 1, 10 and 18 keeps 1024 → 100. Rounded up as the reference runtimes do. */
	double l = ln_((double)shares) / 0.69314718055994530942;
	double exponent = (l * l + 125.0 * l) / 612.0 - 7.0 / 34.0;
	double w = exp_(exponent * 2.30258509299404568402);
	uint64_t n = (uint64_t)w;
	/* ceil, with values within rounding noise of an integer (1024 → exactly 100) kept as that integer */
	if (w - (double)n > 1e-9 * w)
		n++;
	return n;
}

uint64_t cgroup_blkio_to_io_weight(uint64_t weight)
{
	if (weight == 0)
		return 0;
	if (weight < 10)
		weight = 10;
	return 1 + (weight - 10) * 9999 / 990;
}

int cgroup_swap_to_v2(int64_t swap, int64_t limit, int64_t *out, struct hull_err **err)
{
	*out = 0;
	if (limit == -1 && swap == 0) {
		/* v1 compatibility: an unlimited memory with no swap given means both unlimited. */
		*out = -1;
		return 1;
	}
	if (swap == 0)
		return 0;
	if (swap == -1 || limit == -1) {
		*out = swap;
		return 1;
	}
	if (limit == 0)
		return hull_err_set(err, 0, "linux.resources.memory.swap: cannot set a swap limit without a memory limit");
	if (limit < 0)
		return hull_err_set(err, 0, "linux.resources.memory.limit: invalid value %lld", (long long)limit);
	if (swap < limit)
		return hull_err_set(err, 0,
				    "linux.resources.memory.swap: memory+swap limit (%lld) must be >= memory limit (%lld)",
				    (long long)swap, (long long)limit);
	*out = swap - limit;
	return 1;
}
