// Tones through WebAudio: no audio files, nothing to fetch. Browsers keep an AudioContext
// suspended until the user touches the page; the sound banner asks for that touch once (on a
// dedicated MDC, start the browser with --autoplay-policy=no-user-gesture-required).
//
// Every tone is counted on <body data-tones-KIND> and its context state kept in
// data-last-tone-state, so that the browser tests can observe sounds they cannot hear.

let audio = null;

export function audioContext() {
  if (!audio) audio = new AudioContext();
  return audio;
}

export function unlockAudio() {
  const ctx = audioContext();
  if (ctx.state !== 'running') void ctx.resume().then(updateSoundBanner, updateSoundBanner);
  else updateSoundBanner();
}

export function updateSoundBanner() {
  const banner = document.getElementById('sound-banner');
  document.body.dataset.audio = audio ? audio.state : 'none';
  if (!banner) return;
  banner.hidden = document.body.dataset.alerts !== 'on' || (audio !== null && audio.state === 'running');
}

/** [frequency Hz, start s, length s] per pulse; distinct patterns so the ear tells them apart. */
const PATTERNS = {
  // Stolen car, felony: two-tone siren-like pulses (repeated by the caller until acknowledged).
  alarm: [[990, 0, 0.15], [660, 0.18, 0.15], [990, 0.36, 0.15], [660, 0.54, 0.15], [990, 0.72, 0.15], [660, 0.9, 0.15]],
  // Lower-priority hit: one rising pair, once.
  amber: [[660, 0, 0.2], [880, 0.25, 0.3]],
  // The alert channel is down: a falling, low pair.
  'alerts-off': [[520, 0, 0.35], [330, 0.4, 0.6]],
  // A unit on the status strip failed: three short low pips.
  fault: [[440, 0, 0.1], [440, 0.16, 0.1], [440, 0.32, 0.1]],
};

export function tone(kind) {
  const pattern = PATTERNS[kind];
  if (!pattern) throw new Error(`unknown tone ${kind}`);
  const ctx = audioContext();
  const t0 = ctx.currentTime + 0.02;
  const gain = ctx.createGain();
  gain.gain.value = 0.25;
  gain.connect(ctx.destination);
  for (const [freq, at, len] of pattern) {
    const osc = ctx.createOscillator();
    osc.type = 'square';
    osc.frequency.value = freq;
    osc.connect(gain);
    osc.start(t0 + at);
    osc.stop(t0 + at + len);
  }
  const key = `tones${kind.replace(/(^|-)(\w)/g, (_, _d, c) => c.toUpperCase())}`;
  document.body.dataset[key] = String(Number(document.body.dataset[key] ?? 0) + 1);
  document.body.dataset.lastToneState = ctx.state;
}
