// The part of autocannon 9's programmatic API that bench/api.ts uses (the package ships no types).
// Shapes from its README ("API", "Results"); `export =` because it is a CommonJS module.

declare module "autocannon" {
  namespace autocannon {
    /** hdr-histogram-percentiles-obj: latencies in milliseconds, request counts per second. */
    interface Histogram {
      readonly average: number;
      readonly mean: number;
      readonly stddev: number;
      readonly min: number;
      readonly max: number;
      readonly total: number;
      readonly p50: number;
      readonly p90: number;
      readonly p97_5: number;
      readonly p99: number;
      readonly p99_9: number;
    }

    interface Result {
      readonly title?: string;
      readonly url: string;
      /** Seconds. */
      readonly duration: number;
      readonly errors: number;
      readonly timeouts: number;
      readonly mismatches: number;
      readonly non2xx: number;
      readonly resets: number;
      readonly "1xx": number;
      readonly "2xx": number;
      readonly "3xx": number;
      readonly "4xx": number;
      readonly "5xx": number;
      readonly statusCodeStats: Readonly<Record<string, { readonly count: number }>>;
      readonly latency: Histogram;
      readonly requests: Histogram & { readonly sent: number };
      readonly throughput: Histogram;
    }

    /** The raw request autocannon builds; `setupRequest` returns a (modified) copy. */
    interface RawRequest {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
    }

    interface Request extends RawRequest {
      setupRequest?: (request: RawRequest, context: Record<string, unknown>) => RawRequest | null;
      onResponse?: (
        status: number,
        body: string,
        context: Record<string, unknown>,
        headers: Record<string, string>,
      ) => void;
    }

    interface Options {
      url: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      amount?: number;
      pipelining?: number;
      /** Seconds. */
      timeout?: number;
      method?: string;
      title?: string;
      body?: string | Buffer;
      headers?: Record<string, string>;
      requests?: Request[];
      excludeErrorStats?: boolean;
    }

    interface Instance {
      stop(): void;
    }
  }

  function autocannon(
    opts: autocannon.Options,
    callback: (err: Error | null, result: autocannon.Result) => void,
  ): autocannon.Instance;

  export = autocannon;
}
