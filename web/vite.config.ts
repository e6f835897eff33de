// The web app's build: React with Vite, from web/ into dist/web/ (served by the Fastify server).
// Hashed files go to dist/web/assets/ (served as immutable); index.html is served no-cache.
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npm run web:dev`: the API from a server started with `npm start` (port 3000).
    proxy: {
      "/api": "http://127.0.0.1:3000",
      "/openapi.json": "http://127.0.0.1:3000",
      "/docs": "http://127.0.0.1:3000",
    },
  },
});
