/*
 * head-deadline.h — a deadline for every request head, however slowly
 * its bytes arrive.
 *
 * libmicrohttpd closes a connection idle for the connection timeout, but
 * every byte received restarts that clock: a client that sends its
 * request head a byte at a time (a "slow loris") would keep its connection
 * for as long as it likes, and a thousand such clients every connection
 * the server accepts, locking everyone else out.  So the head (request
 * line and headers) must also be complete within `seconds` of when it
 * could start: the connection opened, or the previous answer was sent on
 * it.  A watcher thread shuts down the socket of a connection whose head
 * is late; libmicrohttpd then closes it as one the client hung up.
 *
 * The connections are known through libmicrohttpd's notifications
 * (MHD_OPTION_NOTIFY_CONNECTION: head_deadline_notify; the access handler:
 * head_deadline_complete; MHD_OPTION_NOTIFY_COMPLETED:
 * head_deadline_restart).  libmicrohttpd notifies a connection's end
 * before it closes the socket, and the watcher shuts a socket down only
 * under the lock that notification takes: never a descriptor reused by
 * another connection or file.
 */
#ifndef COPS_SERVE_HEAD_DEADLINE_H
#define COPS_SERVE_HEAD_DEADLINE_H

#include <microhttpd.h>

typedef struct head_deadline head_deadline;

/* Start the watcher for heads due within `seconds`.  NULL when out of
 * memory or when no thread can be started (errno tells). */
head_deadline *head_deadline_start(unsigned seconds);

/* Stop the watcher and free what it holds; after MHD_stop_daemon (every
 * connection closed).  NULL is accepted. */
void head_deadline_stop(head_deadline *deadlines);

/* MHD_OPTION_NOTIFY_CONNECTION's callback, `context` the head_deadline:
 * a connection opened is watched from now; one closed no longer is. */
void head_deadline_notify(void *context, struct MHD_Connection *connection, void **socket_context,
                          enum MHD_ConnectionNotificationCode code);

/* The access handler's call: the head of the connection's request is
 * complete (the connection is left alone until its answer is sent). */
void head_deadline_complete(struct MHD_Connection *connection);

/* MHD_OPTION_NOTIFY_COMPLETED's callback: the answer was sent; the next
 * head on the connection is due within the deadline from now. */
void head_deadline_restart(void *context, struct MHD_Connection *connection, void **request_state,
                           enum MHD_RequestTerminationCode code);

#endif
