export const CLOUD_SETTINGS = Symbol('CLOUD_SETTINGS');
