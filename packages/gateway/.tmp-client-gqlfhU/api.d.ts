export interface paths {
    "/v1/echo-dev/put": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * echo put on echo-dev (development)
         * @description Stores a value under a key upstream. Idempotent: safe to retry.
         */
        post: operations["echo-dev.put"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/echo-dev/fail": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * echo fail on echo-dev (development)
         * @description Always fails with a fatal error. Idempotent: safe to retry.
         */
        post: operations["echo-dev.fail"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/echo-dev/slow": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * echo slow on echo-dev (development)
         * @description Sleeps, then answers. Idempotent: safe to retry.
         */
        post: operations["echo-dev.slow"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/echo-dev": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Handshake of echo webhook events */
        get: operations["echo-dev.webhook.events.handshake"];
        put?: never;
        /**
         * Receive echo webhook events on echo-dev
         * @description Signed events: X-Signature is hex HMAC-SHA256 of the raw body. The signature is verified over the raw bytes; events are recorded and queued before the 200; duplicates are recorded once.
         */
        post: operations["echo-dev.webhook.events"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/echo-prod/put": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * echo put on echo-prod (production)
         * @description Stores a value under a key upstream. Idempotent: safe to retry.
         */
        post: operations["echo-prod.put"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/echo-prod/fail": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * echo fail on echo-prod (production)
         * @description Always fails with a fatal error. Idempotent: safe to retry.
         */
        post: operations["echo-prod.fail"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/echo-prod/slow": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * echo slow on echo-prod (production)
         * @description Sleeps, then answers. Idempotent: safe to retry.
         */
        post: operations["echo-prod.slow"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/echo-prod": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Handshake of echo webhook events */
        get: operations["echo-prod.webhook.events.handshake"];
        put?: never;
        /**
         * Receive echo webhook events on echo-prod
         * @description Signed events: X-Signature is hex HMAC-SHA256 of the raw body. The signature is verified over the raw bytes; events are recorded and queued before the 200; duplicates are recorded once.
         */
        post: operations["echo-prod.webhook.events"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Submit many jobs in one call
         * @description Validates every job first (all or nothing), records them in one transaction and enqueues them in one round trip.
         */
        post: operations["jobs.batch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Status, attempts and result of a job */
        get: operations["jobs.get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness */
        get: operations["liveness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness */
        get: operations["readiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics */
        get: operations["metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/schedules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Schedules this key can see, with their next fire times and last outcome */
        get: operations["schedules.list"];
        put?: never;
        /**
         * Create a schedule (cron with a time zone, or a fixed interval)
         * @description Needs an operator key. Input strings may hold `{{fireAt}}` and `{{fireDate}}` (the local date of the fire).
         */
        post: operations["schedules.create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/schedules/preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** The next fire times of a cron or interval, before saving it */
        post: operations["schedules.preview"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/schedules/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One schedule with its next fire times */
        get: operations["schedules.get"];
        put?: never;
        post?: never;
        /** Delete a schedule made through the API */
        delete: operations["schedules.delete"];
        options?: never;
        head?: never;
        /** Change a schedule made through the API */
        patch: operations["schedules.update"];
        trace?: never;
    };
    "/v1/schedules/{id}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pause: no fires until resumed */
        post: operations["schedules.pause"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/schedules/{id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resume: the next fire is the first fire time from now (paused fires are not caught up) */
        post: operations["schedules.resume"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/schedules/{id}/run": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run now: one job at once, recorded as a manual run */
        post: operations["schedules.run"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/schedules/{id}/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Run history (newest first) linked to the jobs, with lag from due time to job start */
        get: operations["schedules.runs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description An RFC 9457 problem document. `code` is stable; `type` links to its explanation in /docs. */
        Problem: {
            /**
             * Format: uri-reference
             * @example /docs#problem-VALIDATION
             */
            type: string;
            title: string;
            status: number;
            detail?: string;
            instance?: string;
            /** @enum {string} */
            code: "VALIDATION" | "MALFORMED_JSON" | "IDEMPOTENCY_KEY_REQUIRED" | "IDEMPOTENCY_KEY_INVALID" | "UNAUTHENTICATED" | "FORBIDDEN_SCOPE" | "FORBIDDEN_ENVIRONMENT" | "WEBHOOK_SIGNATURE" | "WEBHOOK_VERIFICATION_FAILED" | "NOT_FOUND" | "METHOD_NOT_ALLOWED" | "IDEMPOTENCY_IN_FLIGHT" | "SCHEDULE_DECLARED" | "PAYLOAD_TOO_LARGE" | "UNSUPPORTED_MEDIA_TYPE" | "IDEMPOTENCY_MISMATCH" | "RATE_LIMIT_EXCEEDED" | "INTERNAL" | "UNAVAILABLE";
            /** @description Validation failures, one per field. */
            errors?: {
                /** @example contacts.3.email */
                path: string;
                message: string;
            }[];
            retryAfterSeconds?: number;
        };
        JobError: {
            code: string;
            message: string;
            retryable?: boolean;
            details?: Record<string, never>;
        };
        JobAttempt: {
            attempt: number;
            worker?: string | null;
            /** @enum {string} */
            outcome: "running" | "succeeded" | "failed" | "stalled" | "interrupted";
            error?: components["schemas"]["JobError"] | null;
            /** Format: date-time */
            startedAt: string;
            /** Format: date-time */
            finishedAt?: string | null;
        };
        JobAccepted: {
            id: string;
            /** @enum {string} */
            status: "queued";
            links: {
                self: string;
            };
        };
        Job: {
            id: string;
            /** @enum {string} */
            kind: "operation" | "webhook";
            instance: string;
            operation: string;
            environment?: string;
            /** @enum {string} */
            status: "queued" | "active" | "retrying" | "succeeded" | "failed" | "dead";
            attempts: components["schemas"]["JobAttempt"][];
            attemptCount?: number;
            maxAttempts?: number;
            /** @description The operation's output once succeeded */
            result?: unknown;
            error?: components["schemas"]["JobError"] | null;
            /** Format: date-time */
            createdAt?: string;
            /** Format: date-time */
            updatedAt?: string;
            /** Format: date-time */
            finishedAt?: string | null;
            /** Format: date-time */
            nextAttemptAt?: string | null;
            links: {
                self?: string;
            };
        };
        "echo.put.Input": {
            key: string;
            value?: unknown;
            /** Format: email */
            email?: string;
        };
        "echo.fail.Input": {
            /** @default no */
            reason: string;
        };
        "echo.slow.Input": {
            ms: number;
        };
        "echo.put.Output": {
            stored: string;
            count: number;
        };
        "echo.fail.Output": Record<string, never>;
        "echo.slow.Output": {
            slept: number;
        };
        ScheduleCreate: {
            instance: string;
            operation: string;
            name?: string;
            input?: unknown;
            cron?: string;
            every?: number | string;
            timeZone?: string;
            /** @enum {string} */
            overlap?: "skip" | "queue" | "allow";
            /** @enum {string} */
            missed?: "skip" | "once" | "catch-up";
            catchUpLimit?: number;
            grace?: number | string;
            jitter?: number | string;
            deadline?: number | string;
            description?: string;
            paused?: boolean;
        };
        ScheduleUpdate: {
            operation?: string;
            name?: string;
            input?: unknown;
            cron?: string;
            every?: number | string;
            timeZone?: string;
            /** @enum {string} */
            overlap?: "skip" | "queue" | "allow";
            /** @enum {string} */
            missed?: "skip" | "once" | "catch-up";
            catchUpLimit?: number;
            grace?: number | string;
            jitter?: number | string;
            deadline?: number | string;
            description?: string;
            paused?: boolean;
        };
        SchedulePreview: {
            cron?: string;
            every?: number | string;
            timeZone?: string;
            /** @default 10 */
            count: number;
            /** Format: date-time */
            after?: string;
        };
        Schedule: {
            id: string;
            name: string;
            /** @enum {string} */
            source: "config" | "connector" | "api";
            instance: string;
            environment: string;
            operation: string;
            input: unknown;
            cron: string | null;
            everyMs: number | null;
            timeZone: string;
            policy: {
                /** @enum {string} */
                overlap: "skip" | "queue" | "allow";
                /** @enum {string} */
                missed: "skip" | "once" | "catch-up";
                catchUpLimit: number;
                graceMs: number;
                jitterMs: number;
                /** @description 0: none */
                deadlineMs: number;
            };
            description: string | null;
            paused: boolean;
            nextFireAt: string | null;
            /** @description The next fire times (none while paused) */
            next: string[];
            /** @description A fire held by overlap=queue until the running job ends */
            pendingFireAt: string | null;
            lastFireAt: string | null;
            lastOutcome: ("fired" | "manual" | "skipped_overlap" | "missed" | "expired") | null;
            lastJob: {
                id: string;
                status: string | null;
                links: {
                    self: string;
                };
            } | null;
            /** @description Start of the last job minus its fire time */
            lastLagMs: number | null;
            createdAt: string;
            updatedAt: string;
            links: {
                self: string;
                runs: string;
            };
        };
        ScheduleRun: {
            fireAt: string;
            dueAt: string;
            /** @enum {string} */
            outcome: "fired" | "manual" | "skipped_overlap" | "missed" | "expired";
            jobId: string | null;
            jobStatus: string | null;
            recordedAt: string;
            jobStartedAt: string | null;
            lagMs: number | null;
            detail: {
                [key: string]: unknown;
            } | null;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    "echo-dev.put": {
        parameters: {
            query?: {
                /** @description Wait up to this long (e.g. `5s`) and answer 200 with the finished job when it ends in time. */
                wait?: string;
            };
            header?: {
                /** @description Makes the POST safe to retry: the first response is stored for 24 h (configurable) and replayed for the same key, method, path and body; 409 while the first is in flight, 422 when the key comes with another request. Scoped by API key, at most 255 characters. Follows the IETF httpapi Idempotency-Key draft (an Internet-Draft, not an RFC). */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "key": "greeting",
                 *       "value": "hello"
                 *     }
                 */
                "application/json": components["schemas"]["echo.put.Input"];
            };
        };
        responses: {
            /** @description Finished within `wait`: the job with its result */
            200: {
                headers: {
                    /** @description IETF RateLimit header fields draft: remaining units and seconds to reset */
                    RateLimit?: string;
                    /** @description The key's quota policies */
                    "RateLimit-Policy"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"] & {
                        result?: components["schemas"]["echo.put.Output"];
                    };
                };
            };
            /** @description Accepted: the job is recorded and queued */
            202: {
                headers: {
                    /** @description IETF RateLimit header fields draft: remaining units and seconds to reset */
                    RateLimit?: string;
                    /** @description The key's quota policies */
                    "RateLimit-Policy"?: string;
                    /** @description The job URL */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "job_0m3k9x2a1b2c3d4e5f6a7b8",
                     *       "status": "queued",
                     *       "links": {
                     *         "self": "/v1/jobs/job_0m3k9x2a1b2c3d4e5f6a7b8"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            /** @description Invalid request (each failing field listed in `errors`) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Out of scope or another environment */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such instance, operation or job */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The path exists but not for this method (see `Allow`) */
            405: {
                headers: {
                    /** @description The methods this path accepts */
                    Allow?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Same Idempotency-Key still in flight */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not JSON */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Idempotency-Key reused with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limit exceeded (see Retry-After) */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Gateway failure */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The gateway is shutting down (retry on another instance) or the instance is not set up yet */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "echo-dev.fail": {
        parameters: {
            query?: {
                /** @description Wait up to this long (e.g. `5s`) and answer 200 with the finished job when it ends in time. */
                wait?: string;
            };
            header?: {
                /** @description Makes the POST safe to retry: the first response is stored for 24 h (configurable) and replayed for the same key, method, path and body; 409 while the first is in flight, 422 when the key comes with another request. Scoped by API key, at most 255 characters. Follows the IETF httpapi Idempotency-Key draft (an Internet-Draft, not an RFC). */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["echo.fail.Input"];
            };
        };
        responses: {
            /** @description Finished within `wait`: the job with its result */
            200: {
                headers: {
                    /** @description IETF RateLimit header fields draft: remaining units and seconds to reset */
                    RateLimit?: string;
                    /** @description The key's quota policies */
                    "RateLimit-Policy"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"] & {
                        result?: components["schemas"]["echo.fail.Output"];
                    };
                };
            };
            /** @description Accepted: the job is recorded and queued */
            202: {
                headers: {
                    /** @description IETF RateLimit header fields draft: remaining units and seconds to reset */
                    RateLimit?: string;
                    /** @description The key's quota policies */
                    "RateLimit-Policy"?: string;
                    /** @description The job URL */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "job_0m3k9x2a1b2c3d4e5f6a7b8",
                     *       "status": "queued",
                     *       "links": {
                     *         "self": "/v1/jobs/job_0m3k9x2a1b2c3d4e5f6a7b8"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            /** @description Invalid request (each failing field listed in `errors`) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Out of scope or another environment */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such instance, operation or job */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The path exists but not for this method (see `Allow`) */
            405: {
                headers: {
                    /** @description The methods this path accepts */
                    Allow?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Same Idempotency-Key still in flight */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not JSON */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Idempotency-Key reused with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limit exceeded (see Retry-After) */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Gateway failure */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The gateway is shutting down (retry on another instance) or the instance is not set up yet */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "echo-dev.slow": {
        parameters: {
            query?: {
                /** @description Wait up to this long (e.g. `5s`) and answer 200 with the finished job when it ends in time. */
                wait?: string;
            };
            header?: {
                /** @description Makes the POST safe to retry: the first response is stored for 24 h (configurable) and replayed for the same key, method, path and body; 409 while the first is in flight, 422 when the key comes with another request. Scoped by API key, at most 255 characters. Follows the IETF httpapi Idempotency-Key draft (an Internet-Draft, not an RFC). */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["echo.slow.Input"];
            };
        };
        responses: {
            /** @description Finished within `wait`: the job with its result */
            200: {
                headers: {
                    /** @description IETF RateLimit header fields draft: remaining units and seconds to reset */
                    RateLimit?: string;
                    /** @description The key's quota policies */
                    "RateLimit-Policy"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"] & {
                        result?: components["schemas"]["echo.slow.Output"];
                    };
                };
            };
            /** @description Accepted: the job is recorded and queued */
            202: {
                headers: {
                    /** @description IETF RateLimit header fields draft: remaining units and seconds to reset */
                    RateLimit?: string;
                    /** @description The key's quota policies */
                    "RateLimit-Policy"?: string;
                    /** @description The job URL */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "job_0m3k9x2a1b2c3d4e5f6a7b8",
                     *       "status": "queued",
                     *       "links": {
                     *         "self": "/v1/jobs/job_0m3k9x2a1b2c3d4e5f6a7b8"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            /** @description Invalid request (each failing field listed in `errors`) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Out of scope or another environment */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such instance, operation or job */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The path exists but not for this method (see `Allow`) */
            405: {
                headers: {
                    /** @description The methods this path accepts */
                    Allow?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Same Idempotency-Key still in flight */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not JSON */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Idempotency-Key reused with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limit exceeded (see Retry-After) */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Gateway failure */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The gateway is shutting down (retry on another instance) or the instance is not set up yet */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "echo-dev.webhook.events.handshake": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Handshake answered (e.g. the challenge echoed back) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description Handshake refused (WEBHOOK_VERIFICATION_FAILED, e.g. a wrong verify token) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such instance or webhook, or not a handshake request */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Gateway failure */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The gateway is shutting down (retry on another instance) or the instance is not set up yet */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "echo-dev.webhook.events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": unknown;
            };
        };
        responses: {
            /** @description Events recorded */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        received: number;
                        duplicates: number;
                        jobs: string[];
                    };
                };
            };
            /** @description The verified body could not be parsed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The signature did not verify (WEBHOOK_SIGNATURE) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such instance or webhook */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The path exists but not for this method (see `Allow`) */
            405: {
                headers: {
                    /** @description The methods this path accepts */
                    Allow?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Gateway failure */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The gateway is shutting down (retry on another instance) or the instance is not set up yet */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "echo-prod.put": {
        parameters: {
            query?: {
                /** @description Wait up to this long (e.g. `5s`) and answer 200 with the finished job when it ends in time. */
                wait?: string;
            };
            header?: {
                /** @description Makes the POST safe to retry: the first response is stored for 24 h (configurable) and replayed for the same key, method, path and body; 409 while the first is in flight, 422 when the key comes with another request. Scoped by API key, at most 255 characters. Follows the IETF httpapi Idempotency-Key draft (an Internet-Draft, not an RFC). */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "key": "greeting",
                 *       "value": "hello"
                 *     }
                 */
                "application/json": components["schemas"]["echo.put.Input"];
            };
        };
        responses: {
            /** @description Finished within `wait`: the job with its result */
            200: {
                headers: {
                    /** @description IETF RateLimit header fields draft: remaining units and seconds to reset */
                    RateLimit?: string;
                    /** @description The key's quota policies */
                    "RateLimit-Policy"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"] & {
                        result?: components["schemas"]["echo.put.Output"];
                    };
                };
            };
            /** @description Accepted: the job is recorded and queued */
            202: {
                headers: {
                    /** @description IETF RateLimit header fields draft: remaining units and seconds to reset */
                    RateLimit?: string;
                    /** @description The key's quota policies */
                    "RateLimit-Policy"?: string;
                    /** @description The job URL */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "job_0m3k9x2a1b2c3d4e5f6a7b8",
                     *       "status": "queued",
                     *       "links": {
                     *         "self": "/v1/jobs/job_0m3k9x2a1b2c3d4e5f6a7b8"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            /** @description Invalid request (each failing field listed in `errors`) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Out of scope or another environment */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such instance, operation or job */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The path exists but not for this method (see `Allow`) */
            405: {
                headers: {
                    /** @description The methods this path accepts */
                    Allow?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Same Idempotency-Key still in flight */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not JSON */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Idempotency-Key reused with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limit exceeded (see Retry-After) */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Gateway failure */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The gateway is shutting down (retry on another instance) or the instance is not set up yet */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "echo-prod.fail": {
        parameters: {
            query?: {
                /** @description Wait up to this long (e.g. `5s`) and answer 200 with the finished job when it ends in time. */
                wait?: string;
            };
            header?: {
                /** @description Makes the POST safe to retry: the first response is stored for 24 h (configurable) and replayed for the same key, method, path and body; 409 while the first is in flight, 422 when the key comes with another request. Scoped by API key, at most 255 characters. Follows the IETF httpapi Idempotency-Key draft (an Internet-Draft, not an RFC). */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["echo.fail.Input"];
            };
        };
        responses: {
            /** @description Finished within `wait`: the job with its result */
            200: {
                headers: {
                    /** @description IETF RateLimit header fields draft: remaining units and seconds to reset */
                    RateLimit?: string;
                    /** @description The key's quota policies */
                    "RateLimit-Policy"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"] & {
                        result?: components["schemas"]["echo.fail.Output"];
                    };
                };
            };
            /** @description Accepted: the job is recorded and queued */
            202: {
                headers: {
                    /** @description IETF RateLimit header fields draft: remaining units and seconds to reset */
                    RateLimit?: string;
                    /** @description The key's quota policies */
                    "RateLimit-Policy"?: string;
                    /** @description The job URL */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "job_0m3k9x2a1b2c3d4e5f6a7b8",
                     *       "status": "queued",
                     *       "links": {
                     *         "self": "/v1/jobs/job_0m3k9x2a1b2c3d4e5f6a7b8"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            /** @description Invalid request (each failing field listed in `errors`) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Out of scope or another environment */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such instance, operation or job */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The path exists but not for this method (see `Allow`) */
            405: {
                headers: {
                    /** @description The methods this path accepts */
                    Allow?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Same Idempotency-Key still in flight */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not JSON */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Idempotency-Key reused with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limit exceeded (see Retry-After) */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Gateway failure */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The gateway is shutting down (retry on another instance) or the instance is not set up yet */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "echo-prod.slow": {
        parameters: {
            query?: {
                /** @description Wait up to this long (e.g. `5s`) and answer 200 with the finished job when it ends in time. */
                wait?: string;
            };
            header?: {
                /** @description Makes the POST safe to retry: the first response is stored for 24 h (configurable) and replayed for the same key, method, path and body; 409 while the first is in flight, 422 when the key comes with another request. Scoped by API key, at most 255 characters. Follows the IETF httpapi Idempotency-Key draft (an Internet-Draft, not an RFC). */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["echo.slow.Input"];
            };
        };
        responses: {
            /** @description Finished within `wait`: the job with its result */
            200: {
                headers: {
                    /** @description IETF RateLimit header fields draft: remaining units and seconds to reset */
                    RateLimit?: string;
                    /** @description The key's quota policies */
                    "RateLimit-Policy"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"] & {
                        result?: components["schemas"]["echo.slow.Output"];
                    };
                };
            };
            /** @description Accepted: the job is recorded and queued */
            202: {
                headers: {
                    /** @description IETF RateLimit header fields draft: remaining units and seconds to reset */
                    RateLimit?: string;
                    /** @description The key's quota policies */
                    "RateLimit-Policy"?: string;
                    /** @description The job URL */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "id": "job_0m3k9x2a1b2c3d4e5f6a7b8",
                     *       "status": "queued",
                     *       "links": {
                     *         "self": "/v1/jobs/job_0m3k9x2a1b2c3d4e5f6a7b8"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            /** @description Invalid request (each failing field listed in `errors`) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Out of scope or another environment */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such instance, operation or job */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The path exists but not for this method (see `Allow`) */
            405: {
                headers: {
                    /** @description The methods this path accepts */
                    Allow?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Same Idempotency-Key still in flight */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not JSON */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Idempotency-Key reused with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limit exceeded (see Retry-After) */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Gateway failure */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The gateway is shutting down (retry on another instance) or the instance is not set up yet */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "echo-prod.webhook.events.handshake": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Handshake answered (e.g. the challenge echoed back) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description Handshake refused (WEBHOOK_VERIFICATION_FAILED, e.g. a wrong verify token) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such instance or webhook, or not a handshake request */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Gateway failure */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The gateway is shutting down (retry on another instance) or the instance is not set up yet */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "echo-prod.webhook.events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": unknown;
            };
        };
        responses: {
            /** @description Events recorded */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        received: number;
                        duplicates: number;
                        jobs: string[];
                    };
                };
            };
            /** @description The verified body could not be parsed */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The signature did not verify (WEBHOOK_SIGNATURE) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such instance or webhook */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The path exists but not for this method (see `Allow`) */
            405: {
                headers: {
                    /** @description The methods this path accepts */
                    Allow?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Gateway failure */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The gateway is shutting down (retry on another instance) or the instance is not set up yet */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "jobs.batch": {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes the POST safe to retry: the first response is stored for 24 h (configurable) and replayed for the same key, method, path and body; 409 while the first is in flight, 422 when the key comes with another request. Scoped by API key, at most 255 characters. Follows the IETF httpapi Idempotency-Key draft (an Internet-Draft, not an RFC). */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "jobs": [
                 *         {
                 *           "instance": "echo-dev",
                 *           "operation": "put",
                 *           "input": {
                 *             "key": "greeting",
                 *             "value": "hello"
                 *           }
                 *         }
                 *       ]
                 *     }
                 */
                "application/json": {
                    jobs: {
                        instance: string;
                        operation: string;
                        input: unknown;
                    }[];
                };
            };
        };
        responses: {
            /** @description All accepted */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        jobs: components["schemas"]["JobAccepted"][];
                    };
                };
            };
            /** @description Invalid request (each failing field listed in `errors`) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Out of scope or another environment */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The path exists but not for this method (see `Allow`) */
            405: {
                headers: {
                    /** @description The methods this path accepts */
                    Allow?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Same Idempotency-Key still in flight */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not JSON */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Idempotency-Key reused with another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limit exceeded (see Retry-After) */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Gateway failure */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The gateway is shutting down (retry on another instance) or the instance is not set up yet */
            503: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "jobs.get": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description Missing or invalid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such instance, operation or job */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The path exists but not for this method (see `Allow`) */
            405: {
                headers: {
                    /** @description The methods this path accepts */
                    Allow?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limit exceeded (see Retry-After) */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Gateway failure */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    liveness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        status?: string;
                    };
                };
            };
        };
    };
    readiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description Not ready */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
        };
    };
    metrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text format */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
    "schedules.list": {
        parameters: {
            query?: {
                instance?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The schedules */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        schedules: components["schemas"]["Schedule"][];
                    };
                };
            };
            /** @description Missing or invalid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limit exceeded */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "schedules.create": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ScheduleCreate"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description Invalid request (each failing field listed in `errors`) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Changing schedules needs an operator key (scope `*` in the instance environment) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Body too large */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not JSON */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limit exceeded */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "schedules.preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SchedulePreview"];
            };
        };
        responses: {
            /** @description Fire times (ISO 8601, UTC) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        next: string[];
                    };
                };
            };
            /** @description Invalid request (each failing field listed in `errors`) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limit exceeded */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "schedules.get": {
        parameters: {
            query?: {
                next?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The schedule */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description Missing or invalid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such schedule (or not visible to this key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limit exceeded */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "schedules.delete": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Missing or invalid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Changing schedules needs an operator key (scope `*` in the instance environment) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such schedule (or not visible to this key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The schedule is declared in the configuration or by a connector (SCHEDULE_DECLARED) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limit exceeded */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "schedules.update": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ScheduleUpdate"];
            };
        };
        responses: {
            /** @description Updated */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description Invalid request (each failing field listed in `errors`) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Missing or invalid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Changing schedules needs an operator key (scope `*` in the instance environment) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such schedule (or not visible to this key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The schedule is declared in the configuration or by a connector (SCHEDULE_DECLARED) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not JSON */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limit exceeded */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "schedules.pause": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Paused */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description Missing or invalid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Changing schedules needs an operator key (scope `*` in the instance environment) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such schedule (or not visible to this key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limit exceeded */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "schedules.resume": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Resumed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description Missing or invalid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Changing schedules needs an operator key (scope `*` in the instance environment) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such schedule (or not visible to this key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limit exceeded */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "schedules.run": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job is recorded and queued */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** @enum {string} */
                        status: "queued";
                        /** Format: date-time */
                        fireAt: string;
                        links: {
                            self?: string;
                        };
                    };
                };
            };
            /** @description Missing or invalid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Changing schedules needs an operator key (scope `*` in the instance environment) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such schedule (or not visible to this key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limit exceeded */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    "schedules.runs": {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Runs */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        runs: components["schemas"]["ScheduleRun"][];
                    };
                };
            };
            /** @description Missing or invalid API key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such schedule (or not visible to this key) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limit exceeded */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
