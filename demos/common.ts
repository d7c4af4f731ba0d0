// What every demo page shares: getting the GPU (or saying plainly why not), downloads, and waiting for a frame.
import { Gpu } from '../engine';

/** The engine's GPU, or null after replacing the page's <main> with an explanation of how to get WebGPU. */
export async function startGpu(): Promise<Gpu | null> {
  try {
    return await Gpu.create();
  } catch (error) {
    const main = document.querySelector('main')!;
    main.replaceChildren();
    const notice = document.createElement('section');
    notice.className = 'notice';
    notice.id = 'no-webgpu';
    notice.innerHTML = `<h2>This page needs WebGPU</h2>
      <p></p>
      <p>WebGPU ships in Chrome and Edge 113+, Safari 26+ and Firefox 141+. In Chrome on Linux, or where it is
      still off, open <code>chrome://flags</code> and enable <em>Unsafe WebGPU Support</em>, make sure hardware
      acceleration is on in the browser's settings, and load the page from <code>http://localhost</code> or an
      <code>https://</code> address (WebGPU is not offered to other origins).</p>`;
    notice.querySelector('p')!.textContent = (error as Error).message;
    main.append(notice);
    main.style.display = 'block';
    return null;
  }
}

/** Saves `text` as a file named `name` through the browser's download. */
export function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Resolves at the next animation frame, so the page repaints between chunks of training. */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

/** Puts `figure` into the chart slot `id`, replacing what was there. */
export function show(id: string, figure: Element): void {
  document.getElementById(id)!.querySelector('.figure')!.replaceChildren(figure);
}
