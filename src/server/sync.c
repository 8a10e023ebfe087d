/* --sync-every: a thread that fetches, merges and pushes with the remote
 * "origin" every so often (the store's sync), so that a server is a face
 * over a clone that keeps up with the hub. The index picks the merged
 * commits up as any other (HEAD moved). */
#include "server_int.h"

#include "samskap/store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const outcome_text[] = {
	"up to date", "pushed", "fast-forwarded", "merged and pushed", "conflict"
};

/* One sync; problems are reported on stderr and tried again next time. */
static void sync_once(sk_server *srv)
{
	sk_store *st = NULL;
	sk_store_author author = { NULL, NULL };
	sk_sync_result res;
	memset(&res, 0, sizeof res);
	int rc = sk_store_open(&st, srv->kb_root);
	if (rc == 0)
		rc = sk_store_author_resolve(&author, st, NULL);
	if (rc == 0)
		rc = sk_store_sync(&res, st, NULL, &author);
	if (rc < 0)
		fprintf(stderr, "samskap serve: sync: %s\n", sk_error_last());
	else if (res.outcome != SK_SYNC_UP_TO_DATE)
		fprintf(stderr, "samskap serve: sync: %s (%zu in, %zu out)\n",
			outcome_text[res.outcome], res.n_fetched, res.n_pushed);
	if (rc == 0 && res.n_fetched)
		sk_server__index_stale(srv);
	sk_sync_result_free(&res);
	sk_store_author_free(&author);
	sk_store_free(st);
	sk_error_clear();
}

static void *sync_main(void *arg)
{
	sk_server *srv = arg;
	pthread_mutex_lock(&srv->lock);
	while (!srv->sync_stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += srv->sync_every;
		int w = 0;
		while (!srv->sync_stop && w != ETIMEDOUT)
			w = pthread_cond_timedwait(&srv->sync_cond, &srv->lock, &until);
		if (srv->sync_stop)
			break;
		pthread_mutex_unlock(&srv->lock);
		sync_once(srv);
		pthread_mutex_lock(&srv->lock);
	}
	pthread_mutex_unlock(&srv->lock);
	return NULL;
}

int sk_server__sync_start(sk_server *srv)
{
	if (pthread_create(&srv->sync_thread, NULL, sync_main, srv) != 0)
		return sk_error_set(SK_ERROR, "cannot start the sync thread: %s", strerror(errno));
	srv->sync_running = 1;
	return 0;
}

void sk_server__sync_stop(sk_server *srv)
{
	if (!srv->sync_running)
		return;
	pthread_mutex_lock(&srv->lock);
	srv->sync_stop = 1;
	pthread_cond_signal(&srv->sync_cond);
	pthread_mutex_unlock(&srv->lock);
	pthread_join(srv->sync_thread, NULL);
	srv->sync_running = 0;
}
