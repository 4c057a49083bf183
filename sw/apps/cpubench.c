/* CPU benchmark for measuring simulator speed: integer kernels with fixed
 * inputs, each printing a checksum.
 *
 * The whole suite runs CPUBENCH_SCALE times on identical inputs. Every round
 * must reproduce the same checksums (a simulator whose decode or memory
 * caches go stale fails this), the checksums must equal golden values from
 * an independent Python model (scripts/cpubench_model.py; update both when
 * changing a kernel's parameters), and each kernel is also checked against an independent
 * computation (another algorithm or a known mathematical result) on the first round. Exit status =
 * failed checks (0 = pass). */
#include <stdio.h>
#include <string.h>

#include <hpvp/rt.h>

#ifndef CPUBENCH_SCALE
#define CPUBENCH_SCALE 4 /* ~50 M instructions per round */
#endif

/* ---- deterministic input data ------------------------------------------ */

static uint32_t rng_state;

static void rng_seed(uint32_t seed) { rng_state = seed ? seed : 0x9e3779b9u; }

/* xorshift32 (Marsaglia): cheap, full period, identical everywhere. */
static uint32_t rng_next(void) {
  uint32_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return rng_state = x;
}

static uint32_t fold(uint32_t h, uint32_t v) { return (h ^ v) * 0x01000193u; }

/* ---- int8 GEMM ---------------------------------------------------------- */

#define GEMM_N 64
#define GEMM_REPS 6

static int8_t gemm_a[GEMM_N][GEMM_N], gemm_b[GEMM_N][GEMM_N];
static int32_t gemm_c[GEMM_N][GEMM_N], gemm_ref[GEMM_N][GEMM_N];

/* C += A * B in i-k-j order (row-broadcast, the cache-friendly form). */
__attribute__((noinline)) static void gemm_ikj(int32_t c[GEMM_N][GEMM_N]) {
  for (int i = 0; i < GEMM_N; i++) {
    for (int k = 0; k < GEMM_N; k++) {
      int32_t a = gemm_a[i][k];
      for (int j = 0; j < GEMM_N; j++) c[i][j] += a * gemm_b[k][j];
    }
  }
}

/* Reference: plain dot products in i-j-k order. */
__attribute__((noinline)) static void gemm_ijk(int32_t c[GEMM_N][GEMM_N]) {
  for (int i = 0; i < GEMM_N; i++) {
    for (int j = 0; j < GEMM_N; j++) {
      int32_t sum = 0;
      for (int k = 0; k < GEMM_N; k++) sum += gemm_a[i][k] * gemm_b[k][j];
      c[i][j] = sum;
    }
  }
}

static uint32_t bench_gemm(bool verify) {
  rng_seed(1);
  for (int i = 0; i < GEMM_N; i++) {
    for (int j = 0; j < GEMM_N; j++) {
      gemm_a[i][j] = (int8_t)rng_next();
      gemm_b[i][j] = (int8_t)rng_next();
    }
  }
  memset(gemm_c, 0, sizeof gemm_c);
  for (int r = 0; r < GEMM_REPS; r++) gemm_ikj(gemm_c);

  if (verify) {
    gemm_ijk(gemm_ref);
    uint32_t mismatches = 0;
    for (int i = 0; i < GEMM_N; i++)
      for (int j = 0; j < GEMM_N; j++) mismatches += gemm_c[i][j] != GEMM_REPS * gemm_ref[i][j];
    CHECK_EQ(mismatches, 0);
  }
  uint32_t h = 0x811c9dc5u;
  for (int i = 0; i < GEMM_N; i++)
    for (int j = 0; j < GEMM_N; j++) h = fold(h, (uint32_t)gemm_c[i][j]);
  return h;
}

/* ---- CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320) -------------------- */

#define CRC_BUF_BYTES (64 * 1024)
#define CRC_PASSES 16

static uint8_t crc_buf[CRC_BUF_BYTES];
static uint32_t crc_table[256];

static uint32_t crc32_bitwise(uint32_t crc, const uint8_t *p, size_t n) {
  crc = ~crc;
  while (n--) {
    crc ^= *p++;
    for (int b = 0; b < 8; b++) crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1u));
  }
  return ~crc;
}

static void crc32_init_table(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int b = 0; b < 8; b++) c = (c >> 1) ^ (0xedb88320u & -(c & 1u));
    crc_table[i] = c;
  }
}

__attribute__((noinline)) static uint32_t crc32_table(uint32_t crc, const uint8_t *p, size_t n) {
  crc = ~crc;
  while (n--) crc = (crc >> 8) ^ crc_table[(crc ^ *p++) & 0xffu];
  return ~crc;
}

static uint32_t bench_crc(bool verify) {
  crc32_init_table();
  rng_seed(2);
  for (size_t i = 0; i < CRC_BUF_BYTES; i += 4) {
    uint32_t v = rng_next();
    memcpy(&crc_buf[i], &v, 4);
  }
  uint32_t crc = 0;
  for (int pass = 0; pass < CRC_PASSES; pass++) crc = crc32_table(crc, crc_buf, CRC_BUF_BYTES);

  if (verify) {
    static const char check_input[] = "123456789"; /* the standard CRC check string */
    CHECK_EQ(crc32_table(0, (const uint8_t *)check_input, 9), 0xcbf43926);
    CHECK_EQ(crc32_bitwise(0, (const uint8_t *)check_input, 9), 0xcbf43926);
    CHECK_EQ(crc32_table(0, crc_buf, CRC_BUF_BYTES), crc32_bitwise(0, crc_buf, CRC_BUF_BYTES));
  }
  return crc;
}

/* ---- sort --------------------------------------------------------------- */

#define SORT_N (16 * 1024)
#define SORT_REPS 4

static uint32_t sort_buf[SORT_N], sort_copy[SORT_N];

static void swap_u32(uint32_t *a, uint32_t *b) {
  uint32_t t = *a;
  *a = *b;
  *b = t;
}

static void insertion_sort(uint32_t *v, int n) {
  for (int i = 1; i < n; i++) {
    uint32_t x = v[i];
    int j = i - 1;
    for (; j >= 0 && v[j] > x; j--) v[j + 1] = v[j];
    v[j + 1] = x;
  }
}

/* Quicksort, median-of-three pivot, recursing into the smaller side so the
 * stack stays O(log n); short ranges finish with insertion sort. */
static void quicksort(uint32_t *v, int n) {
  while (n > 16) {
    int mid = n / 2;
    if (v[mid] < v[0]) swap_u32(&v[mid], &v[0]);
    if (v[n - 1] < v[0]) swap_u32(&v[n - 1], &v[0]);
    if (v[n - 1] < v[mid]) swap_u32(&v[n - 1], &v[mid]);
    uint32_t pivot = v[mid];
    int i = 0, j = n - 1;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i <= j) swap_u32(&v[i++], &v[j--]);
    }
    if (j + 1 < n - i) {
      quicksort(v, j + 1);
      v += i;
      n -= i;
    } else {
      quicksort(v + i, n - i);
      n = j + 1;
    }
  }
  insertion_sort(v, n);
}

static void sift_down(uint32_t *v, int root, int n) {
  for (int child; (child = 2 * root + 1) < n; root = child) {
    if (child + 1 < n && v[child + 1] > v[child]) child++;
    if (v[root] >= v[child]) return;
    swap_u32(&v[root], &v[child]);
  }
}

/* Independent reference for the first round. */
static void heapsort(uint32_t *v, int n) {
  for (int i = n / 2 - 1; i >= 0; i--) sift_down(v, i, n);
  for (int end = n - 1; end > 0; end--) {
    swap_u32(&v[0], &v[end]);
    sift_down(v, 0, end);
  }
}

static uint32_t bench_sort(bool verify) {
  uint32_t h = 0x811c9dc5u;
  for (int rep = 0; rep < SORT_REPS; rep++) {
    rng_seed(3 + rep);
    for (int i = 0; i < SORT_N; i++) sort_buf[i] = rng_next() % 1000000u; /* with duplicates */
    if (verify && rep == 0) memcpy(sort_copy, sort_buf, sizeof sort_buf);
    quicksort(sort_buf, SORT_N);
    if (verify && rep == 0) {
      heapsort(sort_copy, SORT_N);
      CHECK_EQ(memcmp(sort_buf, sort_copy, sizeof sort_buf), 0);
    }
    uint32_t unordered = 0;
    for (int i = 1; i < SORT_N; i++) unordered += sort_buf[i - 1] > sort_buf[i];
    CHECK_EQ(unordered, 0);
    for (int i = 0; i < SORT_N; i += 7) h = fold(h, sort_buf[i]);
  }
  return h;
}

/* ---- sieve of Eratosthenes ---------------------------------------------- */

#define SIEVE_N 200000
#define SIEVE_REPS 2
#define PRIMES_BELOW_200000 17984 /* pi(200000) */

static uint8_t sieve_composite[SIEVE_N];

__attribute__((noinline)) static uint32_t sieve(uint32_t *sum) {
  memset(sieve_composite, 0, sizeof sieve_composite);
  uint32_t count = 0, s = 0;
  for (uint32_t i = 2; i < SIEVE_N; i++) {
    if (sieve_composite[i]) continue;
    count++;
    s += i;
    if (i > SIEVE_N / i) continue; /* i * i beyond the range (and no overflow) */
    for (uint32_t j = i * i; j < SIEVE_N; j += i) sieve_composite[j] = 1;
  }
  *sum = s;
  return count;
}

static uint32_t bench_sieve(bool verify) {
  uint32_t count = 0, sum = 0;
  for (int rep = 0; rep < SIEVE_REPS; rep++) count = sieve(&sum);
  if (verify) CHECK_EQ(count, PRIMES_BELOW_200000);
  return fold(fold(0x811c9dc5u, count), sum);
}

/* ---- gcd (division heavy) ----------------------------------------------- */

#define GCD_N 200

__attribute__((noinline)) static uint32_t gcd_euclid(uint32_t a, uint32_t b) {
  while (b) {
    uint32_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* Stein's binary GCD: shifts and subtractions only, no division. */
static uint32_t gcd_binary(uint32_t a, uint32_t b) {
  if (a == 0) return b;
  if (b == 0) return a;
  int shift = __builtin_ctz(a | b);
  a >>= __builtin_ctz(a);
  while (b) {
    b >>= __builtin_ctz(b);
    if (a > b) swap_u32(&a, &b);
    b -= a;
  }
  return a << shift;
}

static uint32_t bench_gcd(bool verify) {
  uint32_t sum = 0, mismatches = 0;
  for (uint32_t i = 1; i <= GCD_N; i++) {
    for (uint32_t j = 1; j <= GCD_N; j++) {
      uint32_t g = gcd_euclid(i * 7919u, j * 104729u);
      sum += g;
      if (verify) mismatches += g != gcd_binary(i * 7919u, j * 104729u);
    }
  }
  if (verify) CHECK_EQ(mismatches, 0);
  return sum;
}

/* ---- Collatz (branchy) -------------------------------------------------- */

#define COLLATZ_N 10000
/* Below 10000, 6171 has the longest trajectory: 261 steps to reach 1. */
#define COLLATZ_ARGMAX 6171
#define COLLATZ_MAX_STEPS 261

static uint32_t bench_collatz(bool verify) {
  uint32_t total = 0, best = 0, argbest = 0;
  for (uint32_t n = 1; n < COLLATZ_N; n++) {
    uint32_t x = n, steps = 0;
    while (x != 1) {
      x = (x & 1u) ? 3u * x + 1u : x >> 1;
      steps++;
    }
    total += steps;
    if (steps > best) {
      best = steps;
      argbest = n;
    }
  }
  if (verify) {
    CHECK_EQ(argbest, COLLATZ_ARGMAX);
    CHECK_EQ(best, COLLATZ_MAX_STEPS);
  }
  return fold(total, argbest);
}

/* ---- driver ------------------------------------------------------------- */

struct kernel {
  const char *name;
  uint32_t (*run)(bool verify);
  uint32_t golden;   /* from scripts/cpubench_model.py, confirmed on QEMU */
  uint32_t checksum; /* first round's result */
  uint64_t instret, cycles;
};

static struct kernel kernels[] = {
    {.name = "gemm_i8", .run = bench_gemm, .golden = 0x05d4d735},
    {.name = "crc32", .run = bench_crc, .golden = 0xa8a5d61a},
    {.name = "sort", .run = bench_sort, .golden = 0x5ea24ca7},
    {.name = "sieve", .run = bench_sieve, .golden = 0x2e357976},
    {.name = "gcd", .run = bench_gcd, .golden = 0x00022248},
    {.name = "collatz", .run = bench_collatz, .golden = 0x125c39da},
};
#define NUM_KERNELS (sizeof kernels / sizeof kernels[0])

static void run_round(int round) {
  for (unsigned k = 0; k < NUM_KERNELS; k++) {
    struct kernel *kn = &kernels[k];
    uint64_t i0 = rt_rdinstret64(), c0 = rt_rdcycle64();
    uint32_t sum = kn->run(round == 0);
    kn->instret += rt_rdinstret64() - i0;
    kn->cycles += rt_rdcycle64() - c0;
    if (round == 0) {
      kn->checksum = sum;
      printf("%-8s checksum=0x%08lx\n", kn->name, (unsigned long)sum);
      CHECK_EQ(sum, kn->golden);
    } else if (sum != kn->checksum) {
      printf("%s: round %d checksum 0x%08lx differs from round 0\n", kn->name, round,
             (unsigned long)sum);
      CHECK_EQ(sum, kn->checksum);
    }
  }
}

int main(void) {
  printf("cpubench: %d rounds\n", CPUBENCH_SCALE);
  uint64_t t0 = rt_mtime(), i0 = rt_rdinstret64(), c0 = rt_rdcycle64();
  for (int round = 0; round < CPUBENCH_SCALE; round++) run_round(round);
  uint64_t instret = rt_rdinstret64() - i0, cycles = rt_rdcycle64() - c0;
  uint64_t ticks = rt_mtime() - t0;

  for (unsigned k = 0; k < NUM_KERNELS; k++)
    printf("%-8s minstret=%llu mcycle=%llu\n", kernels[k].name,
           (unsigned long long)kernels[k].instret, (unsigned long long)kernels[k].cycles);
  printf("total    minstret=%llu mcycle=%llu mtime_ticks=%llu\n", (unsigned long long)instret,
         (unsigned long long)cycles, (unsigned long long)ticks);
  return rt_test_summary();
}
