/* The request rate of one registry (limits.requests_per_second), shared by every client that
 * talks to it. Each worker of a registry has a client of its own, so a limit kept per client
 * would let the registry see the rate times the concurrency; this scheduler is one per
 * registry and locked. A request takes the next free slot, slot = max(now, next), and moves
 * next to slot + 1/rate: slots are exactly 1/rate apart however many threads ask, and an idle
 * spell does not bank a burst. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "http/http.h"

#include "base/banned.h"

struct rc_http_rate {
    pthread_mutex_t lock;
    uint64_t interval_ns; /* 1/rate */
    uint64_t next_ns;     /* the first free slot */
    bool any;             /* a slot was handed out (next_ns means something) */
    char *origin;         /* only requests to it are paced; NULL = every request */
};

struct rc_http_rate *rc_http_rate_new(double per_second, const char *origin)
{
    if (!(per_second > 0) || !isfinite(per_second))
        return NULL;
    struct rc_http_rate *r = rc_xcalloc(1, sizeof(*r));
    pthread_mutex_init(&r->lock, NULL);
    double ns = 1e9 / per_second;
    r->interval_ns = ns < 1 ? 1 : ns > 1e18 ? (uint64_t)1e18 : (uint64_t)(ns + 0.5);
    r->origin = rc_xstrdup(origin);
    return r;
}

void rc_http_rate_free(struct rc_http_rate *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->lock);
    free(r->origin);
    free(r);
}

uint64_t rc_http_rate_interval_ns(const struct rc_http_rate *r)
{
    return r->interval_ns;
}

uint64_t rc_http_rate_reserve(struct rc_http_rate *r, uint64_t now_ns)
{
    pthread_mutex_lock(&r->lock);
    uint64_t slot = r->any && r->next_ns > now_ns ? r->next_ns : now_ns;
    r->next_ns = slot + r->interval_ns;
    r->any = true;
    pthread_mutex_unlock(&r->lock);
    return slot;
}

bool rc_http_rate_applies(const struct rc_http_rate *r, const char *url)
{
    return !r->origin || (url && rc_url_same_origin(r->origin, url));
}
