// The chat client: a single page served at /. See app.tsx for its structure.
import { render } from 'preact';
import { App } from './app';
import './styles/chat.css';

render(<App />, document.getElementById('app')!);
