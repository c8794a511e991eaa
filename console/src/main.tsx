import { render } from 'preact';
import { App } from './App';
import 'uplot/dist/uPlot.min.css';
import './styles/main.css';

render(<App />, document.getElementById('app')!);
