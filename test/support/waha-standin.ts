export * from '../../src/simulator/waha-standin.js';
