// What the device remembers between visits, in localStorage: its token and the last device it was told it is.

const TOKEN = "stampcard.scanner.token";
const DEVICE = "stampcard.scanner.device";
const SOUND = "stampcard.scanner.sound";

function read(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;  // storage blocked (private mode on some browsers): the device pairs for this page only
  }
}

function write(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    /* see read() */
  }
}

export const store = {
  token: () => read(TOKEN),
  device() {
    try {
      return JSON.parse(read(DEVICE) || "null");
    } catch {
      return null;
    }
  },
  pair(token, device) {
    write(TOKEN, token);
    write(DEVICE, JSON.stringify(device));
  },
  remember(device) {
    write(DEVICE, JSON.stringify(device));
  },
  forget() {
    write(TOKEN, null);
    write(DEVICE, null);
  },
  soundOn: () => read(SOUND) !== "off",
  setSound: (on) => write(SOUND, on ? "on" : "off"),
  get: read,
  set: write,
};
