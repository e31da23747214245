import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// PAM_API_URL points the dev server and `vite preview` at a running `pam serve`.
const apiTarget = process.env.PAM_API_URL ?? 'http://127.0.0.1:8000';
const proxy = { '/api': { target: apiTarget, changeOrigin: false } };

export default defineConfig({
  plugins: [react()],
  server: { proxy },
  preview: { proxy },
  build: { outDir: 'dist', sourcemap: false },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
  },
});
