/** Types of bin/build-status.mjs (plain JavaScript so bin/ runs before anything is compiled). */
export declare const MANIFEST: string;
export declare const MANIFEST_VERSION: number;
export declare function sha256Of(bytes: Uint8Array | string): string;
export type BuildStatus = { readonly current: true } | { readonly current: false; readonly reason: string };
/** Is dist/ under `root` current for the sources it was built from? */
export declare function buildStatus(root: string): BuildStatus;
