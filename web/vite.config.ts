import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The dashboard, built by `vite build web` into web/dist, which the server serves at /
 * (src/dashboard/static.ts). `vite web` serves it in development against a server on :3000.
 */
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Every browser the dashboard supports preloads modules itself; the polyfill would only add code.
    modulePreload: { polyfill: false },
  },
  server: { proxy: { '/api': 'http://localhost:3000', '/ping': 'http://localhost:3000' } },
});
